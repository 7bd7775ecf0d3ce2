r"""mpg Appendix C, Lemma C.10 and its proof (prose).

Instances: synthetic states s of one agent i, constructed to meet the lemma's premise, because no run does: the limits
engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+^{s,i} nonempty at a state with mu(s) > 0, so on
real runs every line of this proof would be vacuous. The instances are those of mpg:lemma-c.9/proof (limit values, a
time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t(s) in (0, 1), one step theta^{t+1} = theta^t + eta grad with
Lemma 3.1's gradient); the complement of B_0(a_+) in I_0 is read at t as the a in I_0 with pi^t(a) <= pi^t(a_+) (the
time t' of its definition). The partition of I_0 is checked as the sum of pi^t over it.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript


def sample(rng):
    return {"seed": int(rng.integers(2 ** 31))}


def build(spec):
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
            continue                      # V^t(s) within Delta/4 of its limit (t > T_0, Lemma C.4)
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
    val = np.broadcast_to(np.asarray(val, float), ctx["prem"].shape)
    return np.where(ctx["prem"], val, np.nan)


def col(ctx, x):        # a quantity of the action a (the column)
    return on_pairs(ctx, np.asarray(x, float)[None, :])


def row(ctx, x):        # a quantity of the action a_+ (the row)
    return on_pairs(ctx, np.asarray(x, float)[:, None])


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
LIMIT = "limit: a statement about t -> infinity"


LIMIT = "limit: a statement about t -> infinity"


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.10/proof", paper="mpg", location="Appendix C, proof of Lemma C.10", theorem_claim_id="mpg:lemma-c.10",
    statement=r"\text{Suppose } I^{s,i}_+ \neq \emptyset. \forall a^i_+ \in I^{s,i}_+: B^{s,i}_0(a^i_+) \neq \emptyset, \sum_{a^{i} \in B_{0}^{s,i}(a^{i}_{+})} \pi^{t,i}(a^{i}|s) \to 1, \max_{a^i \in B_0^{s,i}(a^i_{\pm})} \theta^{t,i}_s \to \infty",
    statement_expr=None, statement_relation="=", conclusion_step=8, sample=sample, build=build, instances=8, prose=True,
    printed_lines=8,
    skipped=[Skip(r"\text{there exists } t' > T_0 \text{ such that } \pi^{t,i}(a_+^i|s) \ge \pi^{t,i}(\bar{a}^i|s)",
                  "the definition of the complement of B_0(a_+) (the instances are built to meet it); t printed for t'", 1)],
    steps=[
        Step(r"\text{From lemma 8}, \forall \tau > t: \pi^{\tau,i}(\bar{a}^i|s)", "start",
             lambda ctx: col(ctx, ctx["pi1"]), "'lemma 8' (Lemma C.9), at tau = t + 1 (one step of the update)"),
        Step(r"\le \pi^{\tau,i}(a_+^i|s)", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma C.9"),
        Step(r"\text{From lemma 5}, \pi^{t,i}(a_+^i|s) \to 0 \text{ as } t \to \infty", "start", None, "'lemma 5' (Lemma C.6)", why=LIMIT),
        Step(r"\pi^{\iota,\iota}(\bar{a}^{\iota}|s) \to 0 \text{ as } t \to \infty", "start", None, "", why=LIMIT,
             garbled="iota for t and i"),
        Step(r"\sum_{a^i \in I_0^{s,i}} \pi^{t,i}(a^i|s) \quad [B_0^{s,i}(a_+^i) \cup \bar{B}_0^{s,i}(a_+^i) = I_0^{s,i}]",
             "start", lambda ctx: partition(ctx)[:, 0], "the partition, as a sum of pi^t over I_0"),
        Step(r"= \sum_{a^i \in B_0^{s,i}(a_+^i)} \pi^{t,i}(a^i|s) + \sum_{a^i \in \bar{B}_0^{s,i}(a_+^i)} \pi^{t,i}(a^i|s)",
             "=", lambda ctx: partition(ctx)[:, 1] + partition(ctx)[:, 2], "B_0 and its complement partition I_0"),
        Step(r"\sum_{a^i \in I_0^{s,i}} \pi^{t,i}(a^i|s) \to 1 \Rightarrow \sum_{a^i \in B_0^{s,i}(a^i_+)} \pi^{t,i}(a^i|s) \to 1, \; B_0^{s,i}(a_+^i) \neq \emptyset",
             "start", None, "Lemma C.6 and the two limits above", why=LIMIT),
        Step(r"\text{Using the same techniques in lemma 7}, \max_{a^i \in B_0^{s,i}(a^i_\perp)} \theta_s^{t,i} \to \infty",
             "start", None, "'lemma 7' (Lemma C.8)", why=LIMIT, garbled="a^i_perp for a^i_+; theta_s for theta_{s,a^i}"),
    ],
    notes="Instances are synthetic states constructed to meet the premise (no run meets it); the finite-t steps hold, "
          "the rest are limits.",
)
