r"""The baselines of mabn Section 5 (Figure 1, Table 1): MADDPG, MATD3, FACMAC and the two QDCG variants, each
written from its own paper, behind the off-policy interface of ``verify.marl.offpolicy``
(``OffPolicyAlgo(name, init, act, update)``; the state is a pytree, everything jit-able and vmappable over
seeds; ``cfg`` is static).

* ``maddpg``             -- Lowe et al. 2017: per-agent centralized critics Q_i(x, a) on agent i's reward;
* ``matd3``              -- Ackermann et al. 2019: MADDPG with twin critics, delayed actors, target smoothing;
* ``facmac``             -- Peng et al. 2021: per-agent utilities, monotonic state-conditioned mixer, team
                            reward, centralised policy gradient through the mixer;
* ``qdcg-centralized``   -- the mabn paper's DCG variant (Boehmer et al. 2020): utilities plus pairwise payoffs
                            over the complete graph, team reward, actors through the factored critic;
* ``qdcg-decentralized`` -- the same over the empty graph (a VDN critic).

``default_config(name, example=1)`` gives Table 3's values for the learning rates, batch size and actor output
activation of the chosen example (Table 3 prints them for MAStAC; the paper prints none for the baselines, so
applying them to the baselines is the harness's reading) and documented choices for everything the paper does
not print (``common.COMMON_DEFAULTS``: discount 0.95, soft target rate 0.01, Gaussian exploration noise 0.1 of
the half action range, buffer 100 000; MATD3: policy delay 2, target smoothing noise 0.2 clipped at 0.5;
FACMAC: mixer embedding 32, hypernetwork hidden 64; QDCG: one-hot agent ids).  QDCG defaults to Example 2's
column, as the paper runs QDCG on Examples 2 and 3 only.
"""
from __future__ import annotations

from ...errors import InputError
from ..offpolicy import OffPolicyAlgo
from . import facmac, maddpg, matd3, qdcg

__all__ = ["BASELINES", "default_config", "config_for", "EXAMPLE_OF", "maddpg", "matd3", "facmac", "qdcg"]

#: the Section 5 systems of ``verify.marl.mabn_systems`` and their example numbers (Table 3's columns)
EXAMPLE_OF = {"warehouse9": 1, "warehouse40": 2, "temperature40": 3}


def _algo(name, mod) -> OffPolicyAlgo:
    """``mod``'s functions with ``cfg`` completed by ``default_config(name)`` (a partial or empty ``cfg``, as
    the loop passes when no algorithm options are given, gets the defaults; given keys override them)."""
    def full(cfg):
        return {**default_config(name), **dict(cfg or {})}

    def init(key, spec, cfg):
        return mod.init(key, spec, full(cfg))

    def act(state, obs, key, explore, cfg):
        return mod.act(state, obs, key, explore, full(cfg))

    def update(state, batch, key, cfg):
        return mod.update(state, batch, key, full(cfg))

    return OffPolicyAlgo(name, init, act, update)


BASELINES: dict[str, OffPolicyAlgo] = {
    "maddpg": _algo("maddpg", maddpg),
    "matd3": _algo("matd3", matd3),
    "facmac": _algo("facmac", facmac),
    "qdcg-centralized": _algo("qdcg-centralized", qdcg),
    "qdcg-decentralized": _algo("qdcg-decentralized", qdcg),
}


def default_config(name: str, example: int | None = None) -> dict:
    """The configuration of baseline ``name`` for mabn Example ``example`` (1, 2 or 3; Table 3's column)."""
    if name not in BASELINES:
        raise InputError(f"unknown baseline {name!r}; known: {', '.join(sorted(BASELINES))}")
    if example is not None and example not in (1, 2, 3):
        raise InputError(f"example must be 1, 2 or 3, got {example!r}")
    if name == "maddpg":
        return maddpg.default_config(example or 1)
    if name == "matd3":
        return matd3.default_config(example or 1)
    if name == "facmac":
        return facmac.default_config(example or 1)
    graph = "complete" if name == "qdcg-centralized" else "empty"
    return qdcg.default_config(example or 2, graph)


def config_for(system: str, name: str, **over) -> dict:
    """``default_config(name, example)`` for a Section 5 system name (``EXAMPLE_OF``), with ``over`` applied
    (unknown options are rejected when the algorithm is initialized)."""
    if system not in EXAMPLE_OF:
        raise InputError(f"unknown system {system!r}; known: {', '.join(EXAMPLE_OF)}")
    return {**default_config(name, EXAMPLE_OF[system]), **over}
