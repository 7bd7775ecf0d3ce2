r"""Exact policy-gradient dynamics on any tabular Markov game (numpy driver, exact gradients).

Independent learners, each doing gradient ascent on its own value (bnac Sec. 5, Eq. (2); mpg Eq. (3)):

    theta^i_{t+1} = theta^i_t + eta * grad_{theta^i} V^i_{theta_t}(mu)            (no regularizer)
    theta^i_{t+1} = theta^i_t + eta * grad_{theta^i} L^i_lambda(theta_t)          (log barrier)

with L_lambda(theta) = V(mu) + lambda / (|S| |A^{P^i}| |A^i|) sum log pi^i (bnrate Eq. (4), mpg Sec. 3.2).
The gradient is the JAX float64 autodiff of the general engine ``verify.jax_engine`` (the same engine as the
autodiff oracle of ``verify.oracles`` and the Hessian searches of ``verify.search``; the printed formulas are
checked against it elsewhere), so a run uses no printed formula.  ``reward``: None (team reward / the game's
reward 0), "own" (agent i ascends V^i, as in a Markov potential game), "potential", or an agent index.

The driver is deliberately simple (a Python loop over jitted gradient calls): it serves the
convergence and rate claims on small random games; the compiled, vmapped dynamics for the figures
live in ``verify.experiments``.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .errors import InputError
from .games import MarkovGame
from .oracles import jax_value_and_grad
from .policies import BNPolicy


def exact_gradient(game: MarkovGame, policy: BNPolicy, reward=None, barrier: float = 0.0) -> list[np.ndarray]:
    """Per-agent exact gradient blocks: block i is grad_{theta^i} of V^{r_i}(mu) (+ barrier term), where
    r_i is the team reward (reward=None), agent i's own reward (reward="own"), or ``reward`` itself."""
    if reward == "own":
        return [jax_value_and_grad(game, policy, i, barrier)[1][i] for i in range(game.n_agents)]
    return jax_value_and_grad(game, policy, reward, barrier)[1]


def grad_norm(blocks) -> float:
    """Euclidean norm of the full gradient (all agents' blocks stacked)."""
    return float(np.sqrt(sum(float(np.sum(b * b)) for b in blocks)))


@dataclasses.dataclass
class Run:
    policy: BNPolicy
    iterations: int
    history: list[dict]
    stopped_early: bool


def pg(game: MarkovGame, policy: BNPolicy, eta: float, iters: int, reward=None, barrier: float = 0.0,
       record: Callable[[int, BNPolicy, list[np.ndarray]], dict] | None = None, every: int = 1,
       stop: Callable[[int, BNPolicy, list[np.ndarray]], bool] | None = None) -> Run:
    """Run ``iters`` steps of exact (regularized) PG from ``policy`` with step size ``eta``.

    ``record(t, policy_t, grad_t)`` is called every ``every`` steps (and at the last) and its dict is
    appended to the history together with t and ||grad||; ``stop(t, policy_t, grad_t)`` ends the run early
    (it is evaluated before the step t -> t+1, so a run that stops at t returns policy_t)."""
    if not eta > 0:
        raise InputError(f"step size must be positive, got {eta}")
    if iters < 0:
        raise InputError(f"iteration count must be >= 0, got {iters}")
    hist = []
    pol = policy
    for t in range(iters + 1):
        g = exact_gradient(game, pol, reward, barrier)
        if record is not None and (t % every == 0 or t == iters):
            hist.append({"t": t, "grad_norm": grad_norm(g), **record(t, pol, g)})
        if stop is not None and stop(t, pol, g):
            return Run(pol, t, hist, True)
        if t == iters:
            break
        pol = pol.with_thetas([th + eta * gi for th, gi in zip(pol.thetas, g)])
    return Run(pol, iters, hist, False)
