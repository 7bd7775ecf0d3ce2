r"""bnac Appendix A, Lemma A.12 and its proof (prose).

Instances: synthetic rows (s, a^{P^i}) of one agent i, constructed to meet the lemma's premise, because no run does:
the limits engineer's runs (``verify.limit_runs``, docs/limits.md) never show I_+ nonempty where lim d(s, a^P) > 0, so
on real runs every line of this proof would be vacuous.  The instances are those of bnac:lemma-a.11/proof (limit
values, a time t > T_0 with |Q^t - Q^inf| <= Delta/4, theta^t, d^t in (0, 1), one step theta^{t+1} = theta^t + eta
grad with Lemma A.4's gradient); the complement of B_0(a_+) in I_0 is read at t as the a in I_0 with
pi^t(a) <= pi^t(a_+) (the time t' of its definition).  The partition of I_0 is checked as the sum of pi^t over it.
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


TRANSCRIPT = Transcript(
    id="bnac:lemma-a.12/proof", paper="bnac", location="Appendix A, proof of Lemma A.12", theorem_claim_id="bnac:lemma-a.12",
    statement=r"\text{If } \lim_{t\to\infty} d^{\pi^t}_{\mu}(s, a^{\mathcal{P}^i}) > 0, I^{s, a^{\mathcal{P}^i}, i}_+ \neq \emptyset: \forall a^i_+ \in I_+, B_0(a^i_+) \neq \emptyset, \sum_{a^i \in B_0(a^i_+)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \to 1, \max_{a^i \in B_0(a^i_+)} \theta^{t,i}_{s,a^{\mathcal{P}^i},a^i} \to \infty",
    statement_expr=None, statement_relation="=", conclusion_step=8, sample=sample, build=build, instances=8, prose=True,
    printed_lines=8,
    skipped=[Skip(r"\text{there exists } t' > T_0 \text{ such that } \pi^{t',i}(a_+^i|s,a^{\mathcal{P}^i}) \ge \pi^{t',i}(\bar{a}^i|s,a^{\mathcal{P}^i})",
                  "the definition of the complement of B_0(a_+) (the instances are built to meet it)", 1)],
    steps=[
        Step(r"\text{From lemma A.11}, \forall \tau > t': \pi^{\tau,i}(\bar{a}^i|s,a^{\mathcal{P}^i})", "start",
             lambda ctx: col(ctx, ctx["pi1"]), "Lemma A.11, at tau = t' + 1 (one step of the update)"),
        Step(r"\le \pi^{\tau,i}(a_+^i|s,a^{\mathcal{P}^i})", "<=", lambda ctx: row(ctx, ctx["pi1"]), "Lemma A.11"),
        Step(r"\text{From lemma A.8}, \pi^{t,i}(a_+^i|s,a^{\mathcal{P}^i}) \to 0", "start", None, "Lemma A.8", why=LIMIT),
        Step(r"\pi^{t,i}(\bar{a}^i|s, a^{\mathcal{P}^i}) \to 0 \text{ as } t \to \infty", "start", None, "", why=LIMIT),
        Step(r"\sum_{a^i \in I_0} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \quad [B_0^{s,a^{\mathcal{P}^i},i}(a_+^i) \cup \bar{B}_0^{s,a^{\mathcal{P}^i},i}(a_+^i) = I_0^{s,i}]",
             "start", lambda ctx: partition(ctx)[:, 0], "the partition, as a sum of pi^t over I_0"),
        Step(r"= \sum_{a^i \in B_0(a_+^i)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) + \sum_{a^i \in \bar{B}_0(a_+^i)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i})",
             "=", lambda ctx: partition(ctx)[:, 1] + partition(ctx)[:, 2], "B_0 and its complement partition I_0"),
        Step(r"\sum_{a^i \in I_0} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \to 1 \Rightarrow \sum_{a^i \in B_0(a_+^i)} \pi^{t,i}(a^i|s,a^{\mathcal{P}^i}) \to 1, \; B_0(a_+^i) \neq \emptyset",
             "start", None, "Lemma A.8 and the two limits above", why=LIMIT),
        Step(r"\text{Using the same techniques in A.10}, \max_{a^i \in B_0(a_+^i)} \theta_{s, a^{\mathcal{P}^i}, a^i}^{t, i} \to \infty",
             "start", None, "Lemma A.10's argument", why=LIMIT, garbled="i^i printed for a^i under the max"),
    ],
    notes="Instances are synthetic rows constructed to meet the premise (no run meets it); the finite-t steps hold, "
          "the rest are limits.",
)
