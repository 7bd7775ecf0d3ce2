r"""Instances and per-step quantities shared by the limit-lemma transcripts (not a transcript itself).

bnac Lemmas A.6-A.16 (rows (s, a^{P^i}) of a BN policy, Lemma A.4's gradient) and their product-policy twins mpg
Lemmas C.4-C.13 (states s, Lemma 3.1's gradient) run the same argument on the same kind of instance; what the
twins share lives here, what is particular to a paper (quotes, printed lines, step lists, the row or state and
the paper's gradient) stays in each transcript.  Sections are named by the twins that use them.
"""
import numpy as np

from verify import limit_runs as LR

LIMIT = "limit: a statement about t -> infinity"


def seed_sample(rng):
    """The spec of a synthetic instance: one seed, the build draws the rest."""
    return {"seed": int(rng.integers(2 ** 31))}


def softmax(x):
    p = np.exp(x - x.max())
    return p / p.sum()


# ------------------------------------------------------------------------------------------------
# A.14 / C.12: a synthetic window from T_1 on that meets the premises of the proof by contradiction
# ------------------------------------------------------------------------------------------------
AP, AM, AA = 0, 1, 2          # a_+, a_-, a


def contradiction_window(spec):
    """The trajectory theta^{t'}, pi^{t'}, A^{t'}, dV/dtheta^{t'} of one row (s, a^P) or state s for 20-40 steps
    from T_1, with V_max - V_min (R), Delta, theta_0, delta, t, tau(t) and T^{t,i}; redrawn until T^{t,i} is
    nonempty."""
    rng = np.random.default_rng(spec["seed"])
    while True:
        n = 3 + int(rng.integers(1, 3))
        L = int(rng.integers(20, 41))
        gamma, eta, half = float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.5, 3.0)), float(rng.uniform(0.5, 1.5))
        th = np.concatenate([rng.normal(0, 1, 3), rng.normal(2, 1, n - 3)])
        TH, PI, A, G, D = [th.copy()], [], [], [], []
        for _ in range(L):
            pi = softmax(th)
            q = np.concatenate([[rng.uniform(0.3, 1) * half, -rng.uniform(0.3, 1) * half, rng.normal(-0.3, 0.3) * half],
                                rng.normal(0, 0.1, n - 3) * half])
            a = q - pi @ q
            d = float(rng.uniform(0.1, 1.0))
            g = d * pi * a / (1 - gamma)
            th = th + eta * g
            PI.append(pi); A.append(a); G.append(g); D.append(d); TH.append(th.copy())
        TH, PI, A, G = np.array(TH), np.array(PI), np.array(A), np.array(G)
        if not (A[:, AP] > 0).all() or not (A[:, AM] < 0).all():
            continue
        R = float(np.abs(A).max() / rng.uniform(0.6, 1.0))             # V_max - V_min >= |A|
        delta_cap = 4 * float(rng.uniform(0.5, 1.0)) * float(min(A[:, AP].min(), -A[:, AM].min()))
        theta0 = float(TH[:, AM].min() - rng.uniform(0.01, 0.5))      # lim theta_{a_-}, below every iterate
        ta = TH[:, AA]
        level = ta[0] - rng.uniform(0.2, 0.8) * (ta[0] - ta.min())
        dlt = theta0 - level
        if dlt <= 0:
            continue
        t = L
        tau = int(max(k for k in range(t + 1) if ta[k] >= level))
        Tset = np.array([k for k in range(tau + 1, t) if G[k, AA] < 0], dtype=int)
        if Tset.size == 0:
            continue
        return {"TH": TH, "PI": PI, "A": A, "G": G, "gamma": gamma, "eta": eta, "R": R, "Delta": delta_cap,
                "theta0": theta0, "dlt": dlt, "t": t, "tau": tau, "T": Tset, "trivial": None}


def in_T(ctx, v):
    """A per-step vector restricted to t' in T^{t,i} (NaN elsewhere)."""
    out = np.full(ctx["t"], np.nan)
    out[ctx["T"]] = np.asarray(v, float)[ctx["T"]]
    return out


def Z(ctx):
    return float(ctx["G"][ctx["T"], AA].sum())


def c10(ctx):
    """The factor exp(delta) Delta / (4 (V_max - V_min)) of (10) (bnac) / (15) (mpg)."""
    return np.exp(ctx["dlt"]) * ctx["Delta"] / (4 * ctx["R"])


def bound(ctx):
    return ctx["R"] / (1 - ctx["gamma"])


# ------------------------------------------------------------------------------------------------
# A.11, A.12, A.13 / C.9, C.10, C.11: one step of the update at a row (s, a^P) or state s after T_0
# ------------------------------------------------------------------------------------------------
def one_step(spec):
    """A row (s, a^P) (bnac) or state s (mpg) at some t > T_0: actions of I_0 (kind 0), I_+ (1) and I_- (-1),
    the limits Q^inf = V^inf + A^inf with Delta the least |A^inf| off I_0, Q^t within Delta/4 of Q^inf and the
    row's value sum_a pi^t Q^t within Delta/4 of V^inf (Lemma A.6 / C.4), and one step theta^{t+1} = theta^t + eta
    dV/dtheta with d in (0.05, 1).  prem marks the pairs (a_+ in I_+, a in I_0) with pi^t(a) <= pi^t(a_+);
    redrawn until there is one."""
    rng = np.random.default_rng(spec["seed"])
    while True:
        n0, npos, nneg = int(rng.integers(2, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        n = n0 + npos + nneg
        kind = np.array([0] * n0 + [1] * npos + [-1] * nneg)
        mag = rng.uniform(0.2, 1.0, n)
        ainf = np.where(kind == 0, 0.0, kind * mag)
        delta = float(np.abs(ainf[kind != 0]).min())
        vinf = float(rng.uniform(-1, 1))
        qinf = vinf + ainf
        qt = qinf + rng.uniform(-1, 1, n) * delta / 4 * 0.999
        theta = np.where(kind == 0, rng.normal(1.0, 1.0, n), rng.normal(0.0, 1.0, n))
        pi = np.exp(theta - theta.max())
        pi /= pi.sum()
        qrow = float(pi @ qt)
        if abs(qrow - vinf) > delta / 4:
            continue                      # Q^t(s, a^P) / V^t(s) within Delta/4 of its limit (t > T_0)
        prem = (kind[:, None] == 1) & (kind[None, :] == 0) & (pi[None, :] <= pi[:, None])
        if not prem.any():
            continue
        gamma = float(rng.uniform(0.1, 0.9))
        d = float(rng.uniform(0.05, 1.0))
        eta = float(rng.uniform(0.05, 2.0))
        A = qt - qrow
        grad = d * pi * A / (1 - gamma)
        theta1 = theta + eta * grad
        pi1 = np.exp(theta1 - theta1.max())
        pi1 /= pi1.sum()
        return {"kind": kind, "delta": delta, "qinf": qinf, "qt": qt, "qrow": qrow, "theta": theta, "pi": pi,
                "A": A, "gamma": gamma, "d": d, "eta": eta, "grad": grad, "pi1": pi1, "prem": prem, "trivial": None}


def on_pairs(ctx, val):
    """Entries (a_+, a) of the premise pairs (NaN elsewhere)."""
    val = np.broadcast_to(np.asarray(val, float), ctx["prem"].shape)
    return np.where(ctx["prem"], val, np.nan)


def col(ctx, x):        # a quantity of the action a (the column)
    return on_pairs(ctx, np.asarray(x, float)[None, :])


def row(ctx, x):        # a quantity of the action a_+ (the row)
    return on_pairs(ctx, np.asarray(x, float)[:, None])


def grad_factor(ctx):
    """d / (1 - gamma), the factor of pi A in the gradient."""
    return ctx["d"] / (1 - ctx["gamma"])


def partition(ctx):
    """Per a_+ in I_+ (NaN where its complement set is empty): sum over I_0, B_0(a_+) and its complement of pi^t."""
    k, pi = ctx["kind"], ctx["pi"]
    out = np.full((k.size, 3), np.nan)
    for p in np.flatnonzero(k == 1):
        bbar = (k == 0) & (pi <= pi[p])
        b0 = (k == 0) & ~bbar
        if bbar.any():
            out[p] = [pi[k == 0].sum(), pi[b0].sum(), pi[bbar].sum()]
    return out


# ------------------------------------------------------------------------------------------------
# A.15 / C.13: a window from T_1 on with a_+ in I_+ and the set B_0(a_+)
# ------------------------------------------------------------------------------------------------
def b0_window(spec):
    """The trajectory theta^{t'}, pi^{t'} of one row (s, a^P) or state s for 20-40 steps from T_1: a_+ (index 0)
    with A > 0 and one a_- (index 1) with A < 0 at every step, I_0 actions after them; B0 marks the I_0 actions
    with pi(a_+) < pi(a) at every step of the window; redrawn until B_0(a_+) is nonempty."""
    rng = np.random.default_rng(spec["seed"])
    while True:
        n = 2 + int(rng.integers(2, 4))            # a_+, one a_- (index 1), I_0 actions
        L = int(rng.integers(20, 41))
        gamma, eta, half = float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.5, 3.0)), float(rng.uniform(0.5, 1.5))
        th = np.concatenate([rng.normal(0, 1, 2), rng.normal(1.5, 1.5, n - 2)])
        TH, PI = [th.copy()], []
        for _ in range(L):
            pi = softmax(th)
            q = np.concatenate([[rng.uniform(0.3, 1) * half, -rng.uniform(0.3, 1) * half], rng.normal(0, 0.1, n - 2) * half])
            a = q - pi @ q
            if a[AP] <= 0 or a[1] >= 0:
                break
            th = th + eta * float(rng.uniform(0.1, 1.0)) * pi * a / (1 - gamma)
            PI.append(pi); TH.append(th.copy())
        if len(PI) < L:
            continue
        PI.append(softmax(th))
        TH, PI = np.array(TH), np.array(PI)
        b0 = np.zeros(n, bool)
        b0[2:] = (PI[:, 2:] > PI[:, [AP]]).all(axis=0)     # B_0(a_+): pi(a_+) < pi(a) at every t' of the window
        if not b0.any():
            continue
        return {"TH": TH, "PI": PI, "B0": b0, "trivial": None}


def on_b0(ctx, v):
    """Entries (t', a) with a in B_0(a_+) (NaN elsewhere); v is (t', a) or (t',) broadcast over a."""
    v = np.asarray(v, float)
    if v.ndim == 1:
        v = np.repeat(v[:, None], ctx["TH"].shape[1], axis=1)
    return np.where(ctx["B0"][None, :], v, np.nan)


# ------------------------------------------------------------------------------------------------
# A.6 / C.4: the value and Q of a real run (verify.limit_runs) now and one exact step later
# ------------------------------------------------------------------------------------------------
def v_now(ctx):
    return LR.values_now_next(ctx, "V")[0]


def v_next(ctx):
    return LR.values_now_next(ctx, "V")[1]


def q_now(ctx):
    return LR.values_now_next(ctx, "Q")[0]


def q_next(ctx):
    return LR.values_now_next(ctx, "Q")[1]


def bound_v(ctx):
    return np.full(ctx["V"].size, LR.value_bound(ctx))


def bound_q(ctx):
    return np.full(q_now(ctx).size, LR.value_bound(ctx))


def v_moves(ctx):
    a, b = LR.values_now_next(ctx, "V")
    return bool(np.abs(b - a).max() > 1e-13)


def q_moves(ctx):
    a, b = LR.values_now_next(ctx, "Q")
    return bool(np.abs(b - a).max() > 1e-13)


# ------------------------------------------------------------------------------------------------
# A.8 / C.6, A.9 / C.7, A.10 / C.8: gradients on real runs
# ------------------------------------------------------------------------------------------------
FD = (1e-6, 1e-8)           # the tolerances of the lines checked against finite-difference gradients


def moving(ctx):
    """Whether the exact gradient is nonzero somewhere (a run that has stopped makes every line 0 = 0)."""
    return bool(np.abs(LR.exact_gradient_entries(ctx)).max() > 1e-10)


# A.8 / C.6: the entries of I_- and I_+
def abs_A(ctx):
    m = lambda i: LR.chain_mask(ctx, "I_-")(i) | LR.chain_mask(ctx, "I_+")(i)
    return LR.per_entry(ctx, lambda i: np.abs(ctx["q"][i]["A"]), m)


def quarter(ctx):
    m = lambda i: LR.chain_mask(ctx, "I_-")(i) | LR.chain_mask(ctx, "I_+")(i)
    return LR.per_entry(ctx, lambda i: ctx["delta"] / 4, m)


def some_pm(ctx):
    return LR.has(ctx, "I_-") or LR.has(ctx, "I_+")


# A.9 / C.7: the entries of a set (I_+, I_-, I_0) where lim d > 0
def _m(name):
    return lambda ctx: (lambda i: LR.chain_mask(ctx, name, lim_d=True)(i))


def grad_on(name):
    return lambda ctx: LR.per_entry(ctx, lambda i: ctx.setdefault("_fd", LR.fd_gradient(ctx))[i], _m(name)(ctx))


def A_on(name):
    return lambda ctx: LR.per_entry(ctx, lambda i: ctx["q"][i]["A"], _m(name)(ctx))


def zero_on(name):
    return lambda ctx: LR.per_entry(ctx, lambda i: 0.0, _m(name)(ctx))


def quarter_on(name, sign):
    return lambda ctx: LR.per_entry(ctx, lambda i: sign * ctx["delta"] / 4, _m(name)(ctx))


def step_on(name):
    return lambda ctx: LR.step_entries(ctx, _m(name)(ctx))


def nt(name):
    return lambda ctx: LR.has(ctx, name, lim_d=True) and any(bool(np.any(_m(name)(ctx)(i))) for i in range(ctx["N"]))


# A.10 / C.8: sums over the actions of each row (s, a^P) or state s
def grad_sum(ctx):
    fd = ctx.setdefault("_fd", LR.fd_gradient(ctx))
    return LR.row_sums(ctx, lambda i: fd[i])


def printed_sum(ctx):
    g = ctx["gamma"]
    return LR.row_sums(ctx, lambda i: ctx["q"][i]["d"] / (1 - g) / (1 - g) * ctx["q"][i]["pi"] * ctx["q"][i]["A"])


def zero(ctx):
    return LR.row_sums(ctx, lambda i: np.zeros_like(ctx["q"][i]["A"]))


def theta_sum(ctx):
    return LR.row_sums(ctx, lambda i: ctx["q"][i]["theta"])


def theta0_sum(ctx):
    return LR.row_sums(ctx, lambda i: ctx["q0"][i]["theta"])


def moved(ctx):
    return any(bool(np.abs(ctx["q"][i]["theta"] - ctx["q0"][i]["theta"]).max() > 1e-6) for i in range(ctx["N"]))


# ------------------------------------------------------------------------------------------------
# A.7 / C.5: per-entry lines on the actions of I_- or I_+ of a real run
# ------------------------------------------------------------------------------------------------
def chain_line(name, f):
    """A step's value: f(ctx) (a function of the agent i) on the entries of the set `name` (NaN elsewhere)."""
    def g(ctx):
        return LR.per_entry(ctx, f(ctx), LR.chain_mask(ctx, name))
    return g


def chain_nontrivial(name):
    return lambda ctx: any(bool(np.any(LR.chain_mask(ctx, name)(i))) for i in range(ctx["N"]))


def chain_A(ctx):
    return lambda i: ctx["q"][i]["A"]
