r"""mpg Appendix C, Lemma C.11 and its proof (prose).

Instances: synthetic states s of one agent i, constructed to meet the lemma's premise, because no run does: the
limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+^{s,i} nonempty at a state with
mu(s) > 0, so on real runs every line of this proof would be vacuous.  The instances are those of
mpg:lemma-c.9/proof (limit values, a time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t(s) in (0, 1), one
step theta^{t+1} = theta^t + eta grad with Lemma 3.1's gradient); the complement of B_0(a_+) in I_0 is read at t
as the a in I_0 with pi^t(a) <= pi^t(a_+) (the time t' of its definition).
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


LIMIT = "limit: a statement about t -> infinity"


TRANSCRIPT = Transcript(
    id="mpg:lemma-c.11/proof", paper="mpg", location="Appendix C, proof of Lemma C.11", theorem_claim_id="mpg:lemma-c.11",
    statement=r"\forall a^i_+ \in I^{s,i}_+, \exists T_{a^i_+}: \forall t > T_{a^i_+}, \forall a^i \in \bar{B}^{s,i}_0(a^i_+), \pi^{t,i}(a^i_+|s)>\pi^{t,i}(a^i|s)",
    statement_expr=None, statement_relation="<=", conclusion_step=2, sample=sample, build=build, instances=8, prose=True,
    printed_lines=2,
    skipped=[Skip(r"\text{We can choose } T_{a_+^i} = \max_{a^i \in B_0^{s,i}(a_+^i)} t_{a^i}",
                  "a choice (a maximum over finitely many times), true by definition; the max is printed over B_0, where the "
                  "times t_{a^i} are defined for a^i in the complement of B_0 only", 1)],
    steps=[
        Step(r"\exists t_{a^i} > T_0: \forall \tau > t_{a^i}: \pi^{\tau,i}(a^i|s)", "start", lambda ctx: col(ctx, ctx["pi1"]),
             "the definition of the complement of B_0 and 'lemma 8' (Lemma C.9), at tau = t + 1"),
        Step(r"< \pi^{\tau,i}(a_+^i|s)", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma C.9",
             note="printed strict; checked as <= (Lemma C.9 gives <= from a <= premise)"),
    ],
    notes="Instances are synthetic states constructed to meet the premise (no run meets it).",
)
