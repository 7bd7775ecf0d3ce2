"""Random problem instances: a game plus a policy, built deterministically from a small JSON-able
*spec*, and hypothesis strategies over specs (so counterexamples shrink to a minimal game).

An instance spec extends a game spec (``verify.games.random_game``) with
``dag`` (parent lists), ``theta_scale`` and ``theta_seed``; claims may add keys such as ``lambda``.
"""
from __future__ import annotations

import json

import numpy as np
from hypothesis import strategies as st

from .errors import InputError
from .games import REWARD_KINDS, TRANSITION_KINDS, random_game
from .policies import DAG, BNPolicy

#: The space the gradient lemmas quantify over (any finite game, any DAG, gamma in [0, 1)), cut to
#: sizes an exact check can afford.  ``gamma_near`` mixes gamma near 0 and near 1 into the paper range.
GRADIENT_DOMAIN = {
    "n_agents": (1, 4), "action": (1, 3), "states": (1, 4), "max_joint": 81,
    "gamma": (0.5, 0.99), "gamma_near": True, "rewards": ("team",), "dag": "random",
    "transitions": TRANSITION_KINDS, "reward_scales": (0.1, 1.0, 10.0), "reward_offsets": (-5.0, 0.0, 3.0),
    "theta_scales": (0.5, 1.0, 3.0),
}


def _gamma(rng, dom) -> float:
    lo, hi = dom["gamma"]
    u = rng.random()
    if dom.get("gamma_near") and u < 0.1:
        return round(float(rng.uniform(0.0, 0.05)), 6)
    if dom.get("gamma_near") and u < 0.2:
        return round(float(rng.uniform(0.99, 0.995)), 6)
    return round(float(rng.uniform(lo, hi)), 6)


def sample_spec(rng: np.random.Generator, domain: dict | None = None) -> dict:
    dom = dict(GRADIENT_DOMAIN, **(domain or {}))
    while True:
        N = int(rng.integers(dom["n_agents"][0], dom["n_agents"][1] + 1))
        A = [int(rng.integers(dom["action"][0], dom["action"][1] + 1)) for _ in range(N)]
        if np.prod(A) <= dom["max_joint"]:
            break
    if dom["dag"] == "random":
        dag = DAG.random(N, rng, p_edge=float(rng.choice([0.0, 0.3, 0.6, 1.0]))).parents
    elif dom["dag"] == "full":
        dag = DAG.full(N).parents
    else:
        dag = DAG.empty(N).parents
    return {
        "n_agents": N, "action_sizes": A,
        "n_states": int(rng.integers(dom["states"][0], dom["states"][1] + 1)),
        "gamma": _gamma(rng, dom),
        "transition": str(rng.choice(dom["transitions"])),
        "reward": str(rng.choice(dom["rewards"])),
        "reward_scale": float(rng.choice(dom["reward_scales"])),
        "reward_offset": float(rng.choice(dom["reward_offsets"])),
        "seed": int(rng.integers(0, 2**31 - 1)),
        "dag": [list(p) for p in dag],
        "theta_scale": float(rng.choice(dom["theta_scales"])),
        "theta_seed": int(rng.integers(0, 2**31 - 1)),
    }


def build(spec: dict):
    """(game, policy) from an instance spec."""
    try:
        game = random_game({k: v for k, v in spec.items()
                            if k not in ("dag", "theta_scale", "theta_seed", "lambda", "param")})
        dag = DAG.from_parents(spec.get("dag") or [[] for _ in range(game.n_agents)])
    except (KeyError, TypeError) as e:
        raise InputError(f"malformed instance spec: {e}") from None
    rng = np.random.default_rng(int(spec.get("theta_seed", 0)))
    policy = BNPolicy.random(dag, game.action_sizes, game.n_states, rng, float(spec.get("theta_scale", 1.0)))
    return game, policy


def spec_json(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def parse_spec(text: str) -> dict:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"--instance must be a JSON object: {e.msg} at column {e.colno}") from None
    if not isinstance(obj, dict):
        raise InputError("--instance must be a JSON object")
    return obj


# ------------------------------------------------------------------------------------------------
# hypothesis strategies: composable, and they shrink towards small games, gamma 0, seed 0
# ------------------------------------------------------------------------------------------------
@st.composite
def dags(draw, n: int):
    order = draw(st.permutations(range(n)))
    parents = [[] for _ in range(n)]
    for a in range(n):
        for b in range(a + 1, n):
            if draw(st.booleans()):
                parents[order[b]].append(order[a])
    return [sorted(p) for p in parents]


@st.composite
def instance_specs(draw, domain: dict | None = None):
    dom = dict(GRADIENT_DOMAIN, **(domain or {}))
    N = draw(st.integers(dom["n_agents"][0], dom["n_agents"][1]))
    A = draw(st.lists(st.integers(dom["action"][0], dom["action"][1]), min_size=N, max_size=N)
             .filter(lambda a: np.prod(a) <= dom["max_joint"]))
    if dom["dag"] == "random":
        dag = draw(dags(N))
    elif dom["dag"] == "full":
        dag = [list(range(i)) for i in range(N)]
    else:
        dag = [[] for _ in range(N)]
    lo, hi = dom["gamma"]
    gamma_st = st.floats(lo, hi)
    if dom.get("gamma_near"):
        gamma_st = st.one_of(gamma_st, st.floats(0.0, 0.05), st.floats(0.99, 0.995))
    return {
        "n_agents": N, "action_sizes": A,
        "n_states": draw(st.integers(dom["states"][0], dom["states"][1])),
        "gamma": round(draw(gamma_st), 6),
        "transition": draw(st.sampled_from(dom["transitions"])),
        "reward": draw(st.sampled_from(dom["rewards"])),
        "reward_scale": draw(st.sampled_from(dom["reward_scales"])),
        "reward_offset": draw(st.sampled_from(dom["reward_offsets"])),
        "seed": draw(st.integers(0, 2**31 - 1)),
        "dag": dag,
        "theta_scale": draw(st.sampled_from(dom["theta_scales"])),
        "theta_seed": draw(st.integers(0, 2**31 - 1)),
    }


__all__ = ["GRADIENT_DOMAIN", "sample_spec", "build", "instance_specs", "dags", "spec_json", "parse_spec",
           "REWARD_KINDS", "TRANSITION_KINDS"]
