r"""Neural-network softmax policies of the mpg paper (Sec. 5, Sec. 5.2, Figure 2, Table G.2) on the
Coordination Game, exact gradients, compiled in JAX (float64): ``make_train(config) -> train(rng)``.

Each agent i has its own network pi^i_{theta^i}: S -> Delta(A^i) (Table G.2):

    one-hot(s) in R^{2^N} -> FC(2^N) -> act -> FC(2^N) -> act -> Linear(2) -> softmax

The paper leaves the activation open; we use ReLU (``act``: "relu" or "tanh").  Initialization: the
paper says the algorithms, tabular and neural, "share the same initial policy parameters, which are
sampled from the normal distribution of mean 0 and standard deviation 1"; ``init="normal"`` draws every
weight and bias from N(0, 1) (the literal reading, our default); ``init="torch"`` uses PyTorch's nn.Linear
default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (the paper's code is PyTorch) and is offered for comparison.

Objective: the exact potential Phi_theta(mu) (= V, team reward) of the product policy, plus the log
barrier of mpg Sec. 3.2 for lambda > 0; gradients by ``jax.grad`` of that exact objective.  The paper's
Sec. 5 gives the NN update as an exact-gradient expression and its Sec. 6 says the experiments are
"limited to exact gradient computation" (the abstract's "sample-based" variants do not appear in Sec. 5).

Algorithms: ``nn-pg``  theta <- theta + eta grad L_lambda(theta) (mpg Eq. (3) in the network weights);
            ``nn-adam`` optax.adam(lr) ascent on L_lambda.
"""
from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from ..errors import InputError  # noqa: E402
from . import core  # noqa: E402
from .mpg_algorithms import merge_config, metrics_batch, potential  # noqa: E402

ALGORITHMS = ("nn-pg", "nn-adam")

#: eta = 1 is the tabular PG step (only the parameterization differs); lr = 1e-3 is Adam's library
#: default (PyTorch, optax examples); T = 400 from App. G.3.  None of these is given by the paper.
DEFAULTS = {"N": 2, "algorithm": "nn-pg", "T": 400, "eta": 1.0, "lr": 1e-3, "n_init": 20,
            "lams": (0.0,), "act": "relu", "init": "normal", "eps": 0.1, "gamma": 0.95}


def full_config(config: dict) -> dict:
    c = merge_config(DEFAULTS, config, ALGORITHMS)
    if c["act"] not in ("relu", "tanh") or c["init"] not in ("normal", "torch"):
        raise InputError("act must be relu or tanh, init normal or torch")
    if not (isinstance(c["N"], (int, np.integer)) and 1 <= c["N"] <= 10):
        raise InputError(f"N must be an integer in 1..10, got {c['N']!r}")
    c["lams"] = tuple(float(x) for x in c["lams"])
    c["T"], c["n_init"], c["N"] = int(c["T"]), int(c["n_init"]), int(c["N"])
    return c


def init_params(rng, N: int, n_init: int, init: str = "normal"):
    """Per init and per agent: [(W1, b1), (W2, b2), (W3, b3)], W1, W2 (S, S), W3 (S, 2); leading axes (n_init, N)."""
    S = 2 ** N
    shapes = [((S, S), (S,)), ((S, S), (S,)), ((S, 2), (2,))]
    keys = jax.random.split(rng, 6)
    params = []
    for l, (ws, bs) in enumerate(shapes):
        if init == "normal":
            W = jax.random.normal(keys[2 * l], (n_init, N) + ws)
            b = jax.random.normal(keys[2 * l + 1], (n_init, N) + bs)
        else:
            bound = 1.0 / np.sqrt(ws[0])
            W = jax.random.uniform(keys[2 * l], (n_init, N) + ws, minval=-bound, maxval=bound)
            b = jax.random.uniform(keys[2 * l + 1], (n_init, N) + bs, minval=-bound, maxval=bound)
        params.append((W, b))
    return params


def log_policy(params, act: str = "relu") -> jnp.ndarray:
    """log pi^i(a^i|s) for every agent and state, (N, S, 2): the network applied to one-hot(s) for all s."""
    f = jax.nn.relu if act == "relu" else jnp.tanh
    (W1, b1), (W2, b2), (W3, b3) = params
    S = W1.shape[-1]
    x = jnp.eye(S)                                              # one-hot global states
    h = f(jnp.einsum("sk,nkj->nsj", x, W1) + b1[:, None, :])
    h = f(jnp.einsum("nsk,nkj->nsj", h, W2) + b2[:, None, :])
    logits = jnp.einsum("nsk,nkj->nsj", h, W3) + b3[:, None, :]
    return jax.nn.log_softmax(logits, axis=-1)


def objective(game, params, lam, act: str = "relu"):
    """L_lambda = Phi(mu) + lambda sum_i (sum_{s,a} log pi^i / (|S||A^i|) + log |A^i|)   (mpg Sec. 3.2)."""
    logp = log_policy(params, act)
    N, S, A = logp.shape
    return potential(game, jnp.exp(logp)) + lam * (jnp.sum(logp) / (S * A) + N * jnp.log(A))


def _runner(c: dict, every: int):
    """(params (n_init, ...), lams (n_lam,)) -> log-policies (n_lam, n_init, T//every + 1, N, S, 2)."""
    if c["T"] % every:
        raise InputError(f"T = {c['T']} must be a multiple of the recording interval {every}")
    game = core.coord_game(c["N"], c["eps"], c["gamma"])
    act = c["act"]
    grad = jax.grad(objective, argnums=1)
    opt = optax.adam(c["lr"])

    def run_one(params, lam):
        state = opt.init(params)

        def step(carry):
            p, s = carry
            g = grad(game, p, lam, act)
            if c["algorithm"] == "nn-pg":                         # mpg Eq. (3) in the network weights
                return jax.tree_util.tree_map(lambda x, gx: x + c["eta"] * gx, p, g), s
            upd, s = opt.update(jax.tree_util.tree_map(jnp.negative, g), s, p)   # ascent on L
            return optax.apply_updates(p, upd), s

        def outer(carry, _):
            carry = jax.lax.fori_loop(0, every, lambda _, cs: step(cs), carry)
            return carry, log_policy(carry[0], act)

        _, snaps = jax.lax.scan(outer, (params, state), None, length=c["T"] // every)
        return jnp.concatenate([log_policy(params, act)[None], snaps])

    return jax.vmap(jax.vmap(run_one, in_axes=(0, None)), in_axes=(None, 0))


def make_train(config: dict, every: int = 1):
    """``train(rng) -> dict`` (pure, jit-able): log-policies ``logp`` (n_lam, n_init, T//every + 1, N, S, 2)
    along the run, for the grid ``lams`` and ``n_init`` network initializations."""
    c = full_config(config)
    f = _runner(c, every)
    lams = jnp.asarray(c["lams"])

    def train(rng):
        params = init_params(rng, c["N"], c["n_init"], c["init"])
        return {"logp": f(params, lams), "lams": lams}

    return train


_RUNNERS: dict = {}


def run_grid(config: dict, rng, every: int = 1) -> dict:
    """The compiled runner (cached per process) followed by POA / Nash-gap of every snapshot:
    numpy ``poa``, ``nash_gap`` (n_lam, 1, n_init, n_rec) (a K axis of length 1 keeps the layout of the
    tabular runs), ``iterations``, ``lams``, ``diverged``."""
    c = full_config(config)
    key = tuple(sorted((k, v) for k, v in c.items() if k != "lams")) + (every,)
    if key not in _RUNNERS:
        _RUNNERS[key] = jax.jit(_runner(c, every))
    params = init_params(rng, c["N"], c["n_init"], c["init"])
    logp = np.asarray(_RUNNERS[key](params, jnp.asarray(c["lams"])))
    bad = ~np.isfinite(logp).all(axis=(-3, -2, -1))
    logp = np.where(bad[..., None, None, None], 0.0, logp)
    p, g = metrics_batch(c["N"], logp, c["eps"], c["gamma"])
    p[bad], g[bad] = np.nan, np.nan
    return {"poa": p[:, None], "nash_gap": g[:, None], "diverged": bad.any(-1)[:, None],
            "iterations": np.arange(0, c["T"] + 1, every), "lams": np.asarray(c["lams"]),
            "Ks": np.asarray([0]), "config": c}
