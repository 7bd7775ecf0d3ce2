r"""bnrate Appendix A.4, proof of Lemma 3 (fully-correlated BN stationary points are 2^{N+1} N lambda M - optimal).

Scalar symbols: dd = d(s), pP = pi(a^P|s), AP = |A^{P^i}|, Ai = |A^i|, c = 2^{N+1}(1-gamma)lambda/(d(s)|S|).
The product bound on pi(a^P|s) is replayed numerically on random fully-correlated policies whose local
probabilities all satisfy (4) (pi^j >= 1/(2|A^j|)); the value chain uses the same structure as
bnac:corollary-a.18 and is replayed there; here its constant bookkeeping is checked.
"""
import numpy as np

from verify.proofs import Skip, Step, Transcript
from verify.policies import DAG, BNPolicy

SYMS = {"lam": "pos", "S": "posint", "AP": "posint", "Ai": "posint", "dd": "pos", "pP": "unit", "gamma": "unit",
        "N": "posint", "M": "pos", "Qn": "real", "k": "posint"}


def sample(rng):
    N = int(rng.integers(2, 4))
    return {"action_sizes": [int(x) for x in rng.integers(1, 4, size=N)], "seed": int(rng.integers(0, 2**31 - 1)),
            "agent": int(rng.integers(0, N))}


def build(spec):
    A = spec["action_sizes"]
    N = len(A)
    rng = np.random.default_rng(spec["seed"])
    th = []
    for i, shp in enumerate(BNPolicy(DAG.full(N), A, 1).theta_shapes):
        # local probabilities p >= 1/(2|A^i|): mix half uniform with a random distribution
        q = rng.dirichlet(np.ones(A[i]), size=shp[:-1])
        th.append(np.log(0.5 / A[i] + 0.5 * q))
    pol = BNPolicy(DAG.full(N), A, 1, th)
    i = spec["agent"]
    ps = list(pol.dag.parents[i])
    return {"pol": pol, "i": i, "mP": pol.marginal(ps)[0], "N": N,
            "AP": int(np.prod([A[j] for j in ps])) if ps else 1}


TRANSCRIPT = Transcript(
    id="bnrate:lemma-3/proof", paper="bnrate", location="Appendix A.4", theorem_claim_id="bnrate:lemma-3",
    statement=r"\pi_\theta is a 2^{N+1}N\lambda M-optimal policy", statement_expr="2**(N+1)*N*lam*M",
    statement_relation="<=", symbols=SYMS, sample=sample, build=build, instances=4, conclusion_step=13,
    printed_lines=24,
    skipped=[
        Skip('= sum_{a^{-P^i}} pi_theta(a^{P^i}, a^{-P^i} | s)',
             'transcribed together with the next equality in one step', 1),
        Skip('(8): Q^{pi,i}(s, a^{P^i}) = E[...] = E[...] = Q^{pi,i-1}(s, a^{P^{i-1}_+})',
             'the fully-correlated identity; replayed as equation (14) in bnac:corollary-a.18/proof', 3),
        Skip('Q(s,a) = Q(s, a^{P^N}, a^N) = Q^{N}(s, a^{P^N}, a^N) <= ... = ... <= Q^{1}(s, a^{P^1}) + N * 2^{N+1}(1-gamma)lambda/(d(s)|S|) (the per-agent steps)',
             'the per-agent chain is replayed through its last line (the accumulated N copies of the bound)', 6),
        Skip('<= 1/(1-gamma) E E [2^{N+1}N(1-gamma)lambda/(d(s)|S|)]; = 1/(1-gamma) sum_s d(s)[...]',
             'expectation lines of the performance difference lemma; only the scalar bookkeeping is replayed', 2),
        Skip('Then, since Q(s, a) <= V(s), ... is a 2^{N+1}N lambda M-optimal policy',
             'the conclusion drawn from the chain', 1),
    ],
    steps=[
        Step(r"A_\theta^i(s, a^{\mathcal{P}^i}, a^i) \leq \frac{2(1-\gamma)\lambda}{d_{\mu^\theta}^{\pi_\theta}(s, a^{\mathcal{P}^i}) |\mathcal{S}| |\mathcal{A}^i|} \quad \text{(the bound of inequality (5))}",
             "start", "2*(1-gamma)*lam/(dd*pP*S*AP)", "by bound on the advantage inequality (5) (whose right side has |A^{P^i}|)"),
        Step(r"\frac{2(1-\gamma)\lambda}{d_{\mu^\theta}^{\pi_\theta}(s, a^{\mathcal{P}^i}) |\mathcal{S}| |\mathcal{A}^i|} = \frac{2(1-\gamma)\lambda}{d_{\mu^\theta}^{\pi_\theta}(s) \pi_\theta(a^{\mathcal{P}^i} | s) |\mathcal{S}| |\mathcal{A}^i|} \quad (6)",
             "=", "2*(1-gamma)*lam/(dd*pP*S*Ai)", "restating (5)", note="(5) has |A^{P^i}| where (6) has |A^i|"),
        Step(r"\pi_\theta(a^{\mathcal{P}^i} | s)", "start", lambda c: c["mP"], "on policies satisfying (4) for every agent"),
        Step(r"= \sum_{a^{-\mathcal{P}^i}} \prod_j \pi_\theta(a^j | s, a^{\mathcal{P}^j})", "=", lambda c: c["mP"], "BN factorization"),
        Step(r"\geq \sum_{a^{-\mathcal{P}^i}} \prod_j \frac{1}{2|\mathcal{A}^j|}", ">=",
             lambda c: np.full_like(c["mP"], np.prod([1 / (2 * a) for a in c["pol"].action_sizes])
                                    * np.prod([a for j, a in enumerate(c["pol"].action_sizes) if j not in c["pol"].dag.parents[c["i"]]])),
             "by inequality (4)", note="(4) was derived only for actions with A >= 0; used here for all"),
        Step(r"= \frac{1}{2^N} \frac{1}{|\mathcal{A}^{\mathcal{P}^i}|}", "=", lambda c: np.full_like(c["mP"], 1 / (2 ** c["N"] * c["AP"])),
             "count the terms"),
        Step(r"\text{(6) with } \pi_\theta(a^{\mathcal{P}^i}|s) \geq 1/(2^N |\mathcal{A}^{\mathcal{P}^i}|)", "start",
             "2*(1-gamma)*lam/(dd*S*Ai)*2**N*AP", "plugging into (6)"),
        Step(r"A_\theta^i(s, a^{\mathcal{P}^i}, a^i) \leq \frac{2^{N+1}(1-\gamma)\lambda}{d_{\mu^\theta}^{\pi_\theta}(s) |\mathcal{S}|} \quad (7)",
             "=", "2**(N+1)*(1-gamma)*lam/(dd*S)", "plugging in 6"),
        Step(r"Q^{\pi_{\theta^*}}(s, a) \leq Q^{\pi_{\theta^*}, 1}(s, a^{\mathcal{P}^1}) + N * \frac{2^{N+1}(1-\gamma)\lambda}{d_{\mu}^{\pi_{\theta^*}}(s)|\mathcal{S}|}",
             "start", "Qn + N*2**(N+1)*(1-gamma)*lam/(dd*S)", "N applications of (7) and (8) (chain replayed in bnac:corollary-a.18)"),
        Step(r"= V^{\pi_{\theta^*}}(s) + \frac{2^{N+1}N(1-\gamma)\lambda}{d_{\mu}^{\pi_{\theta^*}}(s)|\mathcal{S}|}", "=",
             "Qn + 2**(N+1)*N*(1-gamma)*lam/(dd*S)", "since a^{P^1} is empty"),
        Step(r"V_{\theta^*} - V_{\theta} = \frac{1}{1-\gamma} \mathbb{E}_{\bar{s} \sim d_{\mu}^{\pi_{\theta^*}}} \mathbb{E}_{\bar{a} \sim \pi_{\theta^*}} [A_{\theta}(\bar{s}, \bar{a})]",
             "start", None, "performance difference lemma",
             why="with the paper's unnormalized d the PDL has no 1/(1-gamma) (the same slip as bnac Lemma A.4); not replayed here"),
        Step(r"\leq \frac{1}{1-\gamma} \sum_{\bar{s}} M \left[ \frac{2^{N+1}N(1-\gamma)\lambda}{|\mathcal{S}|} \right]", "start",
             "Sum(M*2**(N+1)*N*(1-gamma)*lam/S, (k, 1, S))/(1-gamma)", "d*(s)/d(s) <= M"),
        Step(r"= 2^{N+1}N\lambda M", "=", "2**(N+1)*N*lam*M", "sum over |S| states"),
    ],
    notes="(6) rewrites (5)'s |A^{P^i}| as |A^i|; (7) is right only from (5). (4) holds only for actions with "
          "nonnegative advantage but is applied to every agent's every action.",
)
