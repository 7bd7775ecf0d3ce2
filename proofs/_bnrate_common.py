"""What the transcripts of bnrate Theorems 1 and 2 (proofs/bnrate_theorem-1.py, -2.py) share: the instance
built from a sampled spec (a helper, not a transcript: its name starts with '_')."""
import numpy as np

from verify.proofs import bn_context


def build(spec):
    """L_lambda at theta_0 and a lower bound on L_lambda(theta*) = sup L_lambda: max(L(theta_0), L(0)), the
    uniform policy theta = 0 being one candidate; beta_lambda of Lemma 4; R = r_max - r_min; T = 1 (T divides
    lines 2-4 alike)."""
    from verify.gradients import log_barrier_objective
    ctx = bn_context({k: v for k, v in spec.items() if k != "lambda"})
    game, pol, lam = ctx["game"], ctx["policy"], spec["lambda"]
    L0 = log_barrier_objective(game, pol, lam)
    Lu = log_barrier_objective(game, pol.with_flat(np.zeros(pol.n_params)), lam)
    R = float(game.r_max - game.r_min)
    nP = [int(np.prod([game.action_sizes[j] for j in pol.dag.parents[i]])) if pol.dag.parents[i] else 1
          for i in range(game.n_agents)]
    beta = 8 * game.n_agents * R / (1 - game.gamma) ** 3 + sum(2 * lam / (game.n_states * k) for k in nP)
    A = game.action_sizes
    ctx.update(lam=lam, L0=L0, Lstar_lb=max(L0, Lu), R=R, beta=beta,
               sym={"beta": beta, "R": R, "T": 1.0, "gamma": game.gamma, "lam": lam, "N": game.n_agents,
                    "S": game.n_states, "Amax": max(A), "Aj": int(np.prod(A)), "sumInvA": sum(1 / a for a in A),
                    "sumInvAP": sum(1 / k for k in nP)})
    if R <= 0:
        ctx["trivial"] = "a constant reward"
    return ctx
