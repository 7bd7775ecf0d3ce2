r"""bnac Appendix A, Lemma A.13 and its proof (prose).

Instances: synthetic rows (s, a^{P^i}) of one agent i, constructed to meet the lemma's premise, because no run does:
the limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+ nonempty where lim d(s, a^P) > 0, so
on real runs every line of this proof would be vacuous.  The instances are those of bnac:lemma-a.11/proof (limit
values, a time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t in (0, 1), one step theta^{t+1} = theta^t + eta
grad with Lemma A.4's gradient); the complement of B_0(a_+) in I_0 is read at t as the a in I_0 with
pi^t(a) <= pi^t(a_+) (the time t' of its definition).  
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
            continue                      # Q^t(s, a^P) within Delta/4 of its limit (t > T_0, Lemma A.6)
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
    id="bnac:lemma-a.13/proof", paper="bnac", location="Appendix A, proof of Lemma A.13", theorem_claim_id="bnac:lemma-a.13",
    statement=r"\forall a^i_+ \in I^{s,a^{\mathcal{P}^i},i}_+, \exists T_{a^{\mathcal{P}^i},a^i_+}: \forall t > T_{a^{\mathcal{P}^i},a^i_+}, \forall a^i \in \overline{B}^{s,i}_0(a^i_+), \pi^{t,i}(a^i_+|s, a^{\mathcal{P}^i}) > \pi^{t,i}(a^i|s, a^{\mathcal{P}^i})",
    statement_expr=None, statement_relation="<=", conclusion_step=2, sample=sample, build=build, instances=8, prose=True,
    printed_lines=2,
    skipped=[Skip(r"\text{We can choose } T_{a^{\mathcal{P}^{i}},a_{+}^{i}} = \max_{a^{\mathcal{P}^{i}},a^{i} \in B_{0}^{s,i}(a_{+}^{i})} t_{a^{i}}",
                  "a choice (a maximum over finitely many times), true by definition; the max is printed over B_0 and over "
                  "a^P, where the times t_{a^i} are defined for a^i in the complement of B_0 only", 1)],
    steps=[
        Step(r"\forall a^{i} \in \bar{B}_{0}^{s,i}(a_{+}^{i}), \exists t_{a^{\mathcal{P}^{i}},a^{i}} > T_{0}: \forall \tau > t_{a^{\mathcal{P}^{i}},a^{i}}: \pi^{\tau,i}(a^{i}|s,a^{\mathcal{P}^{i}})",
             "start", lambda ctx: col(ctx, ctx["pi1"]), "the definition of the complement of B_0 and Lemma A.11, at tau = t + 1"),
        Step(r"< \pi^{\tau,i}(a_{+}^{i}|s,a^{\mathcal{P}^{i}})", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma A.11",
             note="printed strict; checked as <= (Lemma A.11 gives <= from a <= premise)"),
    ],
    notes="Instances are synthetic rows constructed to meet the premise (no run meets it).",
)
