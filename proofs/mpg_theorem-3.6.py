r"""mpg Appendix D.2, proof of Theorem 3.6 (iteration count for the log-barrier policy gradient).

Symbols: P = Phi_max - Phi_min, Amax = max_i |A^i|, beta = beta_lambda.

Lines 2-3 on instances (team games: the potential is the team reward; product policies; theta_0 = 0 as the
theorem states): line 2 is evaluated by an upper bound, L(theta*) <= max Phi = V*(mu) (the barrier is <= 0) and
L(theta_0) = Phi_{theta_0}(mu) (the barrier is 0 at the uniform policy), so a line 3 that holds against it holds
against the printed line; Phi_max, Phi_min are the tightest bounds on Q (the extreme optimal Q of phi and of
-phi; a deterministic joint policy is a product policy), T = 1 (it divides both lines).
"""
import dataclasses

import numpy as np

from verify.proofs import Skip, Step, Transcript, bn_context, bn_sampler


def sample(rng):
    spec = bn_sampler(dag="empty", rewards=("team",), theta_scales=(0.0,))(rng)
    spec["lambda"] = float(rng.choice([0.01, 0.1, 1.0]))
    return spec


def build(spec):
    from verify.evaluation import optimal_values, value_mu
    ctx = bn_context({k: v for k, v in spec.items() if k != "lambda"})
    game, pol, lam = ctx["game"], ctx["policy"], spec["lambda"]
    r = game.reward_flat(None)
    qmax = r + game.gamma * game.P_flat @ optimal_values(game, r)
    qmin = -(-r + game.gamma * game.P_flat @ optimal_values(game, -r))
    beta = 41 * game.n_agents / (4 * (1 - game.gamma) ** 3) + 2 * lam * game.n_agents / game.n_states
    ctx.update(lam=lam, beta=beta, Vstar=float(game.mu @ optimal_values(game, r)), V0=value_mu(game, pol),
               Pmax=float(qmax.max()), Pmin=float(qmin.min()))
    if np.allclose(r, r.flat[0]):
        ctx["trivial"] = "a constant potential"
    return ctx

SYMS = {"beta": "pos", "P": "pos", "T": "pos", "lam": "pos", "S": "posint", "Amax": "posint", "M": "pos",
        "eps": "pos", "N": "posint", "gamma": "unit"}
LAM = {"lam": "eps/(2*M)"}
BETA = "41*N/(4*(1-gamma)**3) + 2*lam*N/S"

TRANSCRIPT = Transcript(
    id="mpg:theorem-3.6/proof", paper="mpg", location="Appendix D.2", theorem_claim_id="mpg:theorem-3.6",
    statement=r"T \ge \frac{328NM^2|\mathcal{S}|^2 \max_i |\mathcal{A}^i|^2 (\Phi_{\max} - \Phi_{\min})}{(1-\gamma)^3 \epsilon^2} + \frac{32NM|\mathcal{S}| \max_i |\mathcal{A}^i|^2 (\Phi_{\max} - \Phi_{\min})}{\epsilon}",
    statement_expr="328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 32*N*M*S*Amax**2*P/eps",
    symbols=SYMS, conclusion_step=8, sample=sample, build=build, instances=8,
    printed_lines=11,
    skipped=[
        Skip('Lemma 3.2 shows Phi is 41N/(4(1-gamma)^3)-smooth; Lemma D.4 ... the regularizer for each agent is 2 lambda/|S|-smooth; thus beta_lambda is an upper bound',
             "the smoothness assertions (Lemma 3.2 is replayed in mpg:lemma-3.2/proof; beta_lambda's sum is step 11-12)", 2),
        Skip('By Lemma 3.5, we should set lambda = epsilon/2M',
             'a choice; applied as the substitution (given)', 1),
    ],
    steps=[
        Step(r"\min_{t \le T} \left\| \nabla_{\theta} L_{\lambda}(\theta^{(t)}) \right\|_{2}^{2}", "start", None,
             "the quantity bounded", why="needs the iterates of the dynamics"),
        Step(r"\le \frac{2\beta_{\lambda}(L_{\lambda}(\theta^{*}) - L_{\lambda}(\theta_{0}))}{T}", "<=",
             lambda c: 2 * c["beta"] * (c["Vstar"] - c["V0"]),
             "by standard results (beta_lambda-smoothness); evaluated by the upper bound 2 beta (V*(mu) - Phi_{theta_0}(mu))",
             note="the ascent-lemma bound itself (against line 1) needs a run of the dynamics"),
        Step(r"\le \frac{2\beta_{\lambda}(\Phi_{\max} - \Phi_{\min})}{T}", "<=",
             lambda c: 2 * c["beta"] * (c["Pmax"] - c["Pmin"]),
             "where the last inequality is because. (the sentence is cut off in the source)",
             note="holds because the theorem starts from theta_0 = 0 (the barrier is then 0 at theta_0 and <= 0 at theta*); "
                  "bnrate's Theorems 1-2 make the same step without that start and fail there"),
        Step(r"\sqrt{\frac{2\beta_{\lambda}(\Phi_{\max} - \Phi_{\min})}{T}} \leq \lambda/(2|\mathcal{S}|\max_{i}|\mathcal{A}^{i}|)",
             "start", "solve_for(T, sqrt(2*beta*P/T) - lam/(2*S*Amax))",
             "choose T large enough (read as the threshold on T where it holds with equality)"),
        Step(r"T \ge \frac{8\beta_{\lambda}|\mathcal{S}|^2 \max_i |\mathcal{A}^i|^2(\Phi_{\max} - \Phi_{\min})}{\lambda^2}",
             "=", "8*beta*S**2*Amax**2*P/lam**2", "solving the above inequality"),
        Step(r"T \geq \frac{32M^2|\mathcal{S}|^2 \max_i |\mathcal{A}^i|^2 \beta_\lambda(\Phi_{\max} - \Phi_{\min})}{\epsilon^2}",
             "=", "32*M**2*S**2*Amax**2*beta*P/eps**2", "plugging in lambda = eps/2M", given=LAM),
        Step(r"= \frac{328NM^2|\mathcal{S}|^2 \max_i |\mathcal{A}^i|^2(\Phi_{\max} - \Phi_{\min})}{(1 - \gamma)^3 \epsilon^2} + \frac{64\lambda NM^2|\mathcal{S}| \max_i |\mathcal{A}^i|^2(\Phi_{\max} - \Phi_{\min})}{\epsilon^2}",
             "=", "328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 64*lam*N*M**2*S*Amax**2*P/eps**2",
             "plugging in beta_lambda := 41N/(4(1-gamma)^3) + 2 lambda N/|S|", given={"beta": BETA, **LAM}),
        Step(r"= \frac{328NM^2|\mathcal{S}|^2 \max_i |\mathcal{A}^i|^2(\Phi_{\max} - \Phi_{\min})}{(1 - \gamma)^3 \epsilon^2} + \frac{32NM|\mathcal{S}| \max_i |\mathcal{A}^i|^2(\Phi_{\max} - \Phi_{\min})}{\epsilon}",
             "=", "328*N*M**2*S**2*Amax**2*P/((1-gamma)**3*eps**2) + 32*N*M*S*Amax**2*P/eps",
             "plugging in lambda = eps/2M", given=LAM),
        Step(r"Lemma 3.5: \|\nabla_{\theta}L_{\lambda}(\theta)\|_{2} \leq \lambda/(2|S|\max_{i}|\mathcal{A}^{i}|)", "start",
             "lam/(2*S*Amax)", "the stationarity level Lemma 3.5 needs"),
        Step(r"\lambda/(2|\mathcal{S}|\max_{i}|\mathcal{A}^{i}|)", ">=", "lam/(2*S*Amax)", "the level the proof uses"),
        Step(r"\beta_{\lambda} := \frac{41N}{4(1-\gamma)^3} + \frac{2\lambda N}{|\mathcal{S}|}", "start", BETA,
             "Lemma 3.2 (41N/(4(1-gamma)^3)) plus N regularizers, each 2 lambda/|S|-smooth"),
        Step(r"\frac{41N}{4(1-\gamma)^3} + N \cdot \frac{2\lambda}{|S|}", "=", "41*N/(4*(1-gamma)**3) + N*2*lam/S",
             "sum of the smoothness constants (Lemma D.4 of Agarwal et al. per agent)"),
    ],
)
