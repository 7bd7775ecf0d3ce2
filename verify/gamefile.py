r"""Your own game: ``verify check ID --game FILE`` asks whether a claim holds on a game you give.

A game file is JSON or NumPy ``.npz`` with these keys (shapes as in ``verify.games``):

* ``action_sizes``  [A^1, ..., A^N] (optional: read off P when absent, checked against P when given);
* ``P``  P[s, a^1, ..., a^N, s'], every row a probability vector (sums to 1 within 1e-9, no negative
  entry, no NaN);
* ``reward``  a team reward r[s, a^1, ..., a^N], or ``rewards``  per-agent r^i[i, s, a^1, ..., a^N];
* ``potential``  phi[s, a^1, ..., a^N] of a Markov potential game (optional);
* ``mu``  the initial distribution (optional: uniform);  ``gamma`` in [0, 1);
* ``dag``  (optional) the parents of each agent, ``[[...], ...]`` (edge j -> i: j is a parent of i);
  in an ``.npz``, an N x N 0/1 adjacency matrix with adj[j, i] = 1 for the edge j -> i;
* ``theta``  (optional, only with a DAG) the policy parameters, one array per agent of shape
  (S, A^{p_1}, ..., A^{p_k}, A^i), parents in increasing order; in an ``.npz``, ``theta_0``, ``theta_1``, ...
* ``name``, ``description``  (optional) text.

Where a claim quantifies over policy parameters, the claim's search runs on the game: theta (and the
DAG, when the file gives none) are drawn by seed, and a failing draw is reported with the command
that rebuilds it.  Every malformed file is refused in one line (``InputError``).
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from .errors import InputError
from .games import MarkovGame, check_size, make_game
from .policies import DAG, BNPolicy

KEYS = ("action_sizes", "P", "reward", "rewards", "potential", "mu", "gamma", "dag", "theta", "name",
        "description")

#: the claims whose check runs on a game and a policy built by ``verify.instances.build``: they take
#: --game.  Others refuse it in one line.
GAME_CLAIMS = ("bnac:lemma-5.1", "bnac:lemma-5.1/corrected", "bnac:lemma-a.4", "bnac:lemma-a.4/corrected",
               "bnrate:lemma-1", "bnrate:lemma-1/corrected", "mpg:lemma-3.1", "mpg:lemma-c.2",
               "mpg:lemma-c.2/corrected", "mpg:equation-1")
#: the claims among them that also quantify over the log-barrier weight lambda (bnrate Lemma 1)
LAMBDA_CLAIMS = ("bnrate:lemma-1", "bnrate:lemma-1/corrected")
#: the claims among them stated for product policies (mpg): the DAG is empty unless the file gives one
PRODUCT_CLAIMS = ("mpg:lemma-3.1", "mpg:lemma-c.2", "mpg:lemma-c.2/corrected", "mpg:equation-1")


@dataclasses.dataclass(frozen=True, eq=False)
class GameFile:
    """A game read from a file, with the DAG and theta it fixes (None where it leaves them open)."""
    path: str
    game: MarkovGame
    dag: DAG | None
    thetas: tuple | None


def _array(obj, key: str, where: str) -> np.ndarray:
    try:
        a = np.asarray(obj[key], dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {key} must be a numeric array (nested lists of numbers of equal length)") from None
    if a.dtype == object:
        raise InputError(f"{where}: {key} must be a rectangular numeric array")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{where}: {key} contains NaN or infinity")
    return a


def _read(path: str) -> dict:
    if not os.path.isfile(path):
        raise InputError(f"--game {path}: no such file")
    if path.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                obj = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise InputError(f"--game {path}: not a readable .npz file ({e})") from None
        thetas = sorted((k for k in obj if k.startswith("theta_")), key=lambda k: int(k[6:]) if k[6:].isdigit() else -1)
        if thetas:
            if any(not k[6:].isdigit() for k in thetas):
                raise InputError(f"--game {path}: theta arrays must be named theta_0, theta_1, ...")
            obj["theta"] = [obj.pop(k) for k in thetas]
        for k in ("name", "description"):
            if k in obj:
                obj[k] = str(obj[k])
        if "gamma" in obj:
            obj["gamma"] = float(np.asarray(obj["gamma"]).reshape(-1)[0]) if np.asarray(obj["gamma"]).size == 1 \
                else obj["gamma"]
        if "dag" in obj:
            obj["dag"] = ("adjacency", obj["dag"])
        return obj
    try:
        with open(path) as f:
            obj = json.load(f, parse_constant=lambda c: float(c))
    except json.JSONDecodeError as e:
        raise InputError(f"--game {path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except OSError as e:
        raise InputError(f"--game {path}: cannot read it ({e.strerror})") from None
    if not isinstance(obj, dict):
        raise InputError(f"--game {path}: the file must hold a JSON object with keys {', '.join(KEYS)}")
    return obj


def load_game_file(path: str) -> GameFile:
    """Read and validate a game file (see the module docstring); one-line InputError on any defect."""
    obj = _read(path)
    where = f"--game {path}"
    unknown = sorted(set(obj) - set(KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"the keys are {', '.join(KEYS)}")
    for k in ("P", "gamma"):
        if k not in obj:
            raise InputError(f"{where}: {k} is missing")
    if ("reward" in obj) == ("rewards" in obj):
        raise InputError(f"{where}: give exactly one of reward (a team reward) and rewards (one per agent)")
    P = _array(obj, "P", where)
    if P.ndim < 3:
        raise InputError(f"{where}: P must have shape (S, A^1, ..., A^N, S), got {P.shape}")
    S, A = P.shape[0], tuple(int(k) for k in P.shape[1:-1])
    check_size(S, A)
    if "action_sizes" in obj:
        try:
            given = tuple(int(k) for k in obj["action_sizes"])
        except (TypeError, ValueError):
            raise InputError(f"{where}: action_sizes must be a list of integers") from None
        if given != A:
            raise InputError(f"{where}: action_sizes {list(given)} disagree with P's shape {P.shape} "
                             f"(expected (S, {', '.join(map(str, given))}, S))")
    if P.shape[-1] != S:
        raise InputError(f"{where}: P's last axis ({P.shape[-1]}) must equal the number of states ({S})")
    rkey = "reward" if "reward" in obj else "rewards"
    R = _array(obj, rkey, where)
    want = P.shape[:-1] if rkey == "reward" else (len(A),) + P.shape[:-1]
    if R.shape != want:
        raise InputError(f"{where}: {rkey} must have shape {want}, got {R.shape}")
    mu = _array(obj, "mu", where) if "mu" in obj else np.full(S, 1.0 / S)
    if mu.shape != (S,):
        raise InputError(f"{where}: mu must have shape ({S},), got {mu.shape}")
    if np.any(mu < 0) or abs(mu.sum() - 1.0) > 1e-9:
        raise InputError(f"{where}: mu must be a probability vector (entries >= 0, sum 1 within 1e-9; "
                         f"min {mu.min():.3g}, sum {mu.sum():.12g})")
    gm = obj["gamma"]
    if isinstance(gm, bool) or not isinstance(gm, (int, float)):
        raise InputError(f"{where}: gamma must be a number in [0, 1), got {gm!r}")
    pot = _array(obj, "potential", where) if obj.get("potential") is not None else None
    if pot is not None and pot.shape != P.shape[:-1]:
        raise InputError(f"{where}: potential must have shape {P.shape[:-1]}, got {pot.shape}")
    try:
        game = make_game(P, R, mu, gm, potential=pot, name=str(obj.get("name") or os.path.basename(path)))
    except InputError as e:
        raise InputError(f"{where}: {e}") from None
    dag = None
    if obj.get("dag") is not None:
        d = obj["dag"]
        try:
            dag = DAG.from_adjacency(d[1]) if isinstance(d, tuple) else DAG.from_parents(d)
        except InputError as e:
            raise InputError(f"{where}: dag: {e}") from None
        except (TypeError, ValueError):
            raise InputError(f"{where}: dag must list each agent's parents, e.g. [[], [0]]") from None
        if dag.n != len(A):
            raise InputError(f"{where}: dag has {dag.n} agents, the game {len(A)}")
    thetas = None
    if obj.get("theta") is not None:
        if dag is None:
            raise InputError(f"{where}: theta needs a dag (its shapes depend on each agent's parents)")
        th = obj["theta"]
        if not isinstance(th, (list, tuple)) or len(th) != len(A):
            raise InputError(f"{where}: theta must hold one array per agent ({len(A)})")
        shapes = BNPolicy(dag, A, S).theta_shapes
        thetas = []
        for i, (t, shp) in enumerate(zip(th, shapes)):
            arr = _array({"t": t}, "t", where)
            if arr.shape != tuple(shp):
                raise InputError(f"{where}: theta[{i}] must have shape {tuple(shp)} (S, parents' actions, A^{i}), "
                                 f"got {arr.shape}")
            thetas.append(arr)
        thetas = tuple(thetas)
    return GameFile(path=path, game=game, dag=dag, thetas=thetas)


_CACHE: dict[tuple, GameFile] = {}


def cached(path: str) -> GameFile:
    """load_game_file, once per file version (path, size, modification time)."""
    try:
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    except OSError:
        return load_game_file(path)
    if key not in _CACHE:
        _CACHE[key] = load_game_file(path)
    return _CACHE[key]


def build_on_game(spec: dict):
    """(game, policy) for an instance spec with a ``game`` key (the file's path): the file's DAG (else
    ``spec['dag']``, else the empty DAG) and the file's theta (else theta ~ theta_scale * N(0, 1) drawn
    with ``theta_seed``)."""
    gf = cached(str(spec["game"]))
    n = gf.game.n_agents
    if gf.dag is not None and spec.get("dag") is not None and DAG.from_parents(spec["dag"]) != gf.dag:
        raise InputError("--instance dag differs from the game file's dag")
    dag = gf.dag or DAG.from_parents(spec.get("dag") or [[] for _ in range(n)])
    if dag.n != n:
        raise InputError(f"dag has {dag.n} agents, the game {n}")
    if spec.get("transpose_dag"):  # the same edge set read in the other parent orientation (a reading)
        dag = DAG.from_parents([[k for k in range(n) if i in dag.parents[k]] for i in range(n)])
    if gf.thetas is not None and not spec.get("transpose_dag"):  # the file's theta fits the file's DAG only
        return gf.game, BNPolicy(dag, gf.game.action_sizes, gf.game.n_states, list(gf.thetas))
    rng = np.random.default_rng(int(spec.get("theta_seed", 0)))
    return gf.game, BNPolicy.random(dag, gf.game.action_sizes, gf.game.n_states, rng,
                                    float(spec.get("theta_scale", 1.0)))


def search_specs(gf: GameFile, path: str, n: int, seed: int, with_lambda: bool, random_dag: bool = True) -> list[dict]:
    """The instances a claim's search visits on a given game: ``n`` seeded draws of theta (scales of
    verify.instances.GRADIENT_DOMAIN), of a random DAG when the file fixes none (``random_dag``; else
    the empty DAG: product policies), and of lambda for the log-barrier claims.  With theta fixed by the file: that one instance."""
    from .instances import GRADIENT_DOMAIN
    base = {"game": path}
    if gf.thetas is not None:
        return [base]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = dict(base, theta_seed=int(rng.integers(0, 2**31 - 1)),
                 theta_scale=float(rng.choice(GRADIENT_DOMAIN["theta_scales"])))
        if gf.dag is None and random_dag:
            s["dag"] = [list(p) for p in DAG.random(gf.game.n_agents, rng,
                                                     p_edge=float(rng.choice([0.0, 0.3, 0.6, 1.0]))).parents]
        if with_lambda:
            s["lambda"] = float(rng.choice((0.01, 0.1, 1.0, 10.0)))
        out.append(s)
    return out
