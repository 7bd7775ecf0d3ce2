r"""Instances and per-step quantities shared by the limit-lemma transcripts (not a transcript itself).

bnac Lemmas A.6-A.16 (rows (s, a^{P^i}) of a BN policy, Lemma A.4's gradient) and their product-policy twins mpg
Lemmas C.4-C.13 (states s, Lemma 3.1's gradient) run the same argument on the same kind of instance; what the
twins share lives here, what is particular to a paper (quotes, printed lines, step lists, the row or state and
the paper's gradient) stays in each transcript.  Sections are named by the twins that use them.
"""
import numpy as np

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
