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
    """(game, policy) from an instance spec; a spec with a ``game`` key (a game file's path, from
    ``verify check --game``) takes the game, and the DAG and theta it fixes, from that file."""
    if "game" in spec:
        from .gamefile import build_on_game
        return build_on_game(spec)
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


# ------------------------------------------------------------------------------------------------
# Which --instance keys a claim reads.  A verification tool must never check something other than
# what it was asked, so ``verify check ID --instance SPEC`` rejects a key the claim does not read (a
# typo such as "gama" would otherwise check the default gamma) and rejects --instance on a claim that
# takes none.  The keys are inferred from the code, so they cannot drift from it: every string used as
# a key (``x["key"]``, ``x.get("key")``, ``"key" in x``) in the claim's module and the harness modules
# it uses, the keys the module's own samplers write into specs, and the keys of a game spec and of a
# policy spec.  The inference errs towards accepting: a key read anywhere in those modules is accepted
# for every claim of the module.
# ------------------------------------------------------------------------------------------------
import ast as _ast
import functools as _functools
import time as _time
import importlib as _importlib
import inspect as _inspect
import sys as _sys
import types as _types

#: keys of a seeded random game (verify.games.random_game) and of the policy drawn on it (build)
GAME_KEYS = frozenset({"n_agents", "action_sizes", "n_states", "gamma", "transition", "reward",
                       "reward_scale", "reward_offset", "seed"})
POLICY_KEYS = frozenset({"dag", "theta_scale", "theta_seed"})
#: keys an instance on a --game file may carry (the game itself comes from the file)
GAME_FILE_SPEC_KEYS = frozenset({"game", "dag", "theta_scale", "theta_seed", "lambda"})


def _verify_module(obj) -> _types.ModuleType | None:
    name = getattr(obj, "__module__", None) or (obj.__name__ if isinstance(obj, _types.ModuleType) else None)
    if isinstance(obj, _types.ModuleType):
        name = obj.__name__
    if not name or not (name == "verify" or name.startswith("verify.")):
        return None
    return _sys.modules.get(name) or _importlib.import_module(name)


@_functools.lru_cache(maxsize=None)
def _module_ast(name: str):
    try:
        src = _inspect.getsource(_sys.modules[name])
    except (OSError, TypeError, KeyError):
        return None
    for attempt in range(5):
        try:
            return _ast.parse(src)
        except SystemError:   # CPython 3.11: "AST constructor recursion depth mismatch" when another thread of
            if attempt == 4:  # the process (a Dask worker's) parses at the same time (gh-106905); parse again
                raise
            _time.sleep(0.05 * (attempt + 1))


def _string_keys(tree) -> set[str]:
    """String constants used as keys: subscripts, .get / .pop / .setdefault, ``in`` tests, dict(..., k=)."""
    keys: set[str] = set()
    for node in _ast.walk(tree):
        if isinstance(node, _ast.Subscript) and isinstance(node.slice, _ast.Constant) \
                and isinstance(node.slice.value, str):
            keys.add(node.slice.value)
        elif isinstance(node, _ast.Call) and isinstance(node.func, _ast.Attribute) \
                and node.func.attr in ("get", "pop", "setdefault") and node.args \
                and isinstance(node.args[0], _ast.Constant) and isinstance(node.args[0].value, str):
            keys.add(node.args[0].value)
        elif isinstance(node, _ast.Compare) and isinstance(node.left, _ast.Constant) \
                and isinstance(node.left.value, str) and any(isinstance(o, (_ast.In, _ast.NotIn)) for o in node.ops):
            keys.add(node.left.value)
    return keys


def _imported_verify_modules(mod: _types.ModuleType) -> set[str]:
    out = set()
    for v in vars(mod).values():
        m = v if isinstance(v, _types.ModuleType) else _verify_module(v) if callable(v) else None
        if isinstance(m, _types.ModuleType) and m.__name__.startswith("verify.") \
                and m.__name__ not in ("verify.registry", "verify.errors"):
            out.add(m.__name__)
    return out


@_functools.lru_cache(maxsize=None)
def module_keys(name: str) -> frozenset:
    """Every string key used in module ``name`` and in the verify modules it imports (one level)."""
    mod = _sys.modules.get(name) or _importlib.import_module(name)
    keys: set[str] = set()
    for m in {name} | _imported_verify_modules(mod):
        tree = _module_ast(m)
        if tree is not None:
            keys |= _string_keys(tree)
    return frozenset(keys)


def _resolve(node, glb: dict):
    """The object a call's target names (``f`` or ``mod.f``), or None."""
    if isinstance(node, _ast.Name):
        return glb.get(node.id)
    if isinstance(node, _ast.Attribute):
        base = _resolve(node.value, glb)
        if isinstance(base, _types.ModuleType):
            return getattr(base, node.attr, None)
    return None


def reads_instance(fn, _seen=None) -> bool:
    """Whether ``fn`` (a claim's check) reads ``ctx.instance``, directly or through the harness functions
    it calls (followed through the verify package)."""
    _seen = set() if _seen is None else _seen
    fn = _inspect.unwrap(fn)
    if isinstance(fn, _functools.partial):
        fn = fn.func
    if not isinstance(fn, _types.FunctionType) or fn in _seen or _verify_module(fn) is None:
        return False
    _seen.add(fn)
    try:
        tree = _ast.parse(_textwrap_dedent(_inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return True  # cannot tell: let the claim read it (the run itself then tells, see the CLI)
    for node in _ast.walk(tree):
        if isinstance(node, _ast.Attribute) and node.attr == "instance":
            return True
    for node in _ast.walk(tree):
        if isinstance(node, (_ast.Call, _ast.Name, _ast.Attribute)):
            target = _resolve(node.func if isinstance(node, _ast.Call) else node, fn.__globals__)
            if isinstance(target, _types.FunctionType) and reads_instance(target, _seen):
                return True
    return False


def _textwrap_dedent(text: str) -> str:
    import textwrap
    return textwrap.dedent(text)


_ACCEPTED: dict[str, frozenset | None] = {}


def accepted_keys(claim) -> frozenset | None:
    """The --instance keys ``claim`` reads; None when it takes no instance."""
    if claim.id not in _ACCEPTED:
        _ACCEPTED[claim.id] = _accepted_keys(claim)
    return _ACCEPTED[claim.id]


def _produced_keys(tree) -> set[str]:
    """Keys the module's own samplers put into specs: string keys of dict literals and keyword names
    of ``dict(...)`` calls (a reproduce spec may carry such a key, e.g. a label of the instance family)."""
    keys: set[str] = set()
    for node in _ast.walk(tree):
        if isinstance(node, _ast.Dict):
            keys |= {k.value for k in node.keys if isinstance(k, _ast.Constant) and isinstance(k.value, str)}
        elif isinstance(node, _ast.Call) and isinstance(node.func, _ast.Name) and node.func.id == "dict":
            keys |= {kw.arg for kw in node.keywords if kw.arg}
    return keys


def _accepted_keys(claim) -> frozenset | None:
    if claim.check is None or not reads_instance(claim.check):
        return None
    tree = _module_ast(claim.check.__module__)
    own = _produced_keys(tree) if tree is not None else set()
    return module_keys(claim.check.__module__) | own | GAME_KEYS | POLICY_KEYS


def validate_instance(claim, spec: dict) -> None:
    """Reject, in one line, an --instance the claim would not read in full."""
    keys = accepted_keys(claim)
    if keys is None:
        raise InputError(f"{claim.id} takes no --instance (its check has no instance parameters)")
    unknown = sorted(k for k in spec if k not in keys)
    if unknown:
        shown = sorted(keys & _spec_keys_of(claim)) or sorted(keys)
        raise InputError(f"--instance key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                         f"unknown to {claim.id} (it would be ignored); the keys it accepts: {', '.join(shown)}")


def _spec_keys_of(claim) -> set[str]:
    """For the message: the keys worth listing (game and policy keys, and the claim module's own)."""
    mod = _sys.modules.get(claim.check.__module__)
    tree = _module_ast(mod.__name__) if mod else None
    return set(GAME_KEYS | POLICY_KEYS) | (_string_keys(tree) if tree is not None else set())


def drop_unread_instance(claim, cmd: str | None) -> str | None:
    """A reproduce command without an ``--instance`` the claim does not read (its check takes no
    instance, so the command rebuilds the same result without it, and --instance would be refused)."""
    if not cmd or " --instance " not in cmd or accepted_keys(claim) is not None:
        return cmd
    return cmd.split(" --instance ", 1)[0]
