r"""Tabular softmax BN policy gradient with exact gradients on the Coordination Game (bnac Sec. 5.1, 7.3).

    theta^i_{t+1} = theta^i_t + eta * grad_{theta^i} V_{theta_t}(mu)              (bnac Eq. (2), (3))

The gradient is that of the exact J(theta) = mu^T (I - gamma P_pi)^{-1} r, which the harness has verified
equals the corrected Lemma 5.1 form d(s, a^{P^i}) pi^i A^i with the unnormalized d
(``verify.gradients.bn_pg_corrected``; README findings).  It is computed by one of the exact
``evaluation`` methods (configuration key; all three agree to 1e-10, tests/test_engine_speed.py):

* ``autodiff``: ``jax.grad`` of J through the dense solve (the engine's first form);
* ``direct``: the policy-gradient theorem dJ/dpi(a|s) = gamma d(s) (E V)(a) pulled back through the
  vjp of theta -> pi (``core.value_gradient_pi``), V and d from one LU factorization;
* ``warm``: the same gradient with V and d from restarted GMRES started at the previous iterate's V and d,
  each certified by its residual to |x - x*| <= eval_tol (``core.certified_solve``), the direct solve as
  fallback when the certificate is not reached within eval_max_cycles restarts;
* ``auto`` (default): ``warm`` from WARM_MIN_N agents on, ``direct`` below.

PureJaxRL style: ``make_train(config)`` returns a pure ``train(rng)`` (one seed), jit-able, a
``lax.scan`` over chunks of ``metrics_every`` iterations; ``train_seeds(config, keys)`` vmaps it over
seeds.  Returned per seed:

* ``poa``      (iterations + 1,)  POA = V_pi(mu) / max_pi V_pi(mu) at every iterate t = 0..T;
* ``iters``    (R,)  the iterations t = 0, k, 2k, ..., T at which the costlier metrics are taken;
* ``nash_gap`` (R,)  Nash-gap(pi_t) with BN best responses (exact policy iteration);
* ``nash_ok``  (R,)  every best-response policy iteration converged;
* ``min_dpar`` (R,)  min_{i with parents, s, a^{P^i}} d^pi_mu(s, a^{P^i}) (Assumption 5.6), inf for the empty DAG.
"""
from __future__ import annotations

import dataclasses
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from ..errors import InputError  # noqa: E402
from . import core  # noqa: E402

#: defaults; none of eta, iterations, init is printed in bnac for Figure 3 (see CONFIG_REASONS)
DEFAULTS = {
    "N": 2,
    "dag": "full",
    "eta": 1.0,
    "iterations": 400,
    "init_scale": 1.0,
    "metrics_every": 10,
    "eps": 0.1,
    "gamma": 0.95,
    "nash_max_iter": 64,
    "evaluation": "auto",
    "eval_tol": 1e-11,
    "eval_krylov": 24,
    "eval_max_cycles": 6,
}

#: the ways an iterate's V_pi, d^pi_mu and gradient are computed (all exact; see ``make_train``)
EVALUATIONS = ("autodiff", "direct", "warm", "auto")

#: ``auto`` takes the warm-started evaluation from this many agents on (S = 2^N states), the direct one below.
#: Measured on 2 cores (one seed, eta = 1, CPU ms per iteration direct / warm): N = 6 line 0.10 / 0.33,
#: full 0.17 / 0.55; N = 7 line 0.41 / 0.65, full 0.83 / 1.07; N = 8 line 3.6 / 1.6, full 10.8 / 2.8.
#: Below it the dense LU of the S x S system is cheaper than the Krylov iterations, and the direct step
#: (branch-free) can be vmapped over seeds.
WARM_MIN_N = 8

CONFIG_REASONS = {
    "eps": "bnac Sec. 7.1 and Table 1: epsilon = 0.1",
    "gamma": "bnac Table 1: gamma = 0.95",
    "mu": "bnac Table 1: uniform",
    "iterations": ("not printed in bnac; 400 is the run length of the same authors' tabular "
                   "Coordination-Game experiments (mpg Appendix G.3: 'a single run of 400 iterations')"),
    "eta": ("not printed in bnac for Figure 3.  Theorem 5.5's eta <= (1-gamma)^3 / (8 N (r_max - r_min)) "
            "= 2.6e-6 for N = 2 would barely move the policy in 400 iterations; the harness uses a "
            "fixed eta = 1.0 (a parameter), with which the Nash gap of every DAG falls by orders of "
            "magnitude within 400 iterations"),
    "init": ("not printed; 'random seeds' (Figure 3 caption) read as random initial parameters: "
             "theta^i_{s,a^{P^i},a^i} i.i.d. N(0, init_scale^2), init_scale = 1"),
    "dags": ("bnac Sec. 7.2 defines Fully-correlated = {(j,i) | i > j} and gives 'Uncorrelated' the "
             "DAG {(j,i) | i = j+1}, which is a line; Figure 3's legend has Uncorrelated, "
             "Line-correlated and Fully-correlated and its caption says Line and Full coincide for "
             "N = 2, which holds for the line {(j, j+1)}.  So the harness reads Line-correlated = "
             "{(j, j+1)}, Uncorrelated = the empty DAG (product policy, the word's meaning), "
             "Fully-correlated = {(j, i) | j < i}"),
}


@dataclasses.dataclass(frozen=True)
class Config:
    N: int = 2
    dag: object = "full"
    eta: float = 1.0
    iterations: int = 400
    init_scale: float = 1.0
    metrics_every: int = 10
    eps: float = 0.1
    gamma: float = 0.95
    nash_max_iter: int = 64
    evaluation: str = "auto"
    eval_tol: float = 1e-11
    eval_krylov: int = 24
    eval_max_cycles: int = 6

    @classmethod
    def make(cls, config) -> "Config":
        c = dict(DEFAULTS)
        unknown = set(config or {}) - set(c)
        if unknown:
            raise InputError(f"unknown configuration keys {sorted(unknown)}; known: {sorted(c)}")
        c.update(config or {})
        cfg = cls(**c)
        if cfg.iterations < 1 or cfg.metrics_every < 1 or cfg.iterations % cfg.metrics_every:
            raise InputError(f"iterations ({cfg.iterations}) must be a positive multiple of metrics_every "
                             f"({cfg.metrics_every})")
        if not cfg.eta > 0:
            raise InputError(f"eta must be positive, got {cfg.eta}")
        if cfg.evaluation not in EVALUATIONS:
            raise InputError(f"unknown evaluation {cfg.evaluation!r}; choose from {', '.join(EVALUATIONS)}")
        if not (cfg.eval_tol > 0 and cfg.eval_krylov >= 1 and cfg.eval_max_cycles >= 0):
            raise InputError("eval_tol must be positive, eval_krylov >= 1 and eval_max_cycles >= 0")
        return cfg

    @property
    def method(self) -> str:
        """The evaluation used: ``auto`` resolves to ``warm`` from WARM_MIN_N agents on, ``direct`` below."""
        if self.evaluation == "auto":
            return "warm" if int(self.N) >= WARM_MIN_N else "direct"
        return self.evaluation


def make_train(config):
    """config (dict or Config) -> train(rng) -> dict of metrics (see module docstring)."""
    cfg = config if isinstance(config, Config) else Config.make(config)
    game = core.coord_game(int(cfg.N), cfg.eps, cfg.gamma)
    parents = core.dag_parents(cfg.dag, int(cfg.N))
    S = 2 ** int(cfg.N)
    k = cfg.metrics_every
    n_chunks = cfg.iterations // k
    J_star = core.optimal_value(game)

    method = cfg.method

    def J(thetas):
        return core.value_mu(game, core.joint_policy(thetas, parents), "lapack")  # V_theta(mu)

    value_and_grad = jax.value_and_grad(J)

    def metrics(thetas):
        pi = core.joint_policy(thetas, parents)
        ev = core.evaluate(game, pi)
        gaps, ok = core.nash_gaps(game, thetas, parents, cfg.nash_max_iter)
        return {"nash_gap": gaps.max(), "nash_ok": ok,
                "min_dpar": core.min_parent_visitation(game, pi, parents, ev["d"])}

    def evaluation(thetas, V0, d0):
        """pi_theta, its V, d, J, the vjp of theta -> pi, and (warm) the certificate diagnostics."""
        pi, vjp = core.joint_policy_chain_vjp(thetas, parents)
        if method == "warm":
            ev = core.evaluate_warm(game, pi, V0, d0, cfg.eval_tol, cfg.eval_krylov, cfg.eval_max_cycles)
        else:
            ev = core.evaluate_direct(game, pi)
        return ev, vjp

    def step(carry, _):
        thetas, V, d = carry
        if method == "autodiff":
            # jax.grad of J through the dense solve (the engine's first form, kept as a reference)
            v, g = value_and_grad(thetas)
            diag = (jnp.array(0), jnp.array(0.0))
        else:
            ev, vjp = evaluation(thetas, V, d)
            V, d, v = ev["V"], ev["d"], ev["J"]
            # grad_theta V(mu) = (d pi / d theta)^T [gamma d(s) (E V)(a)]   (policy-gradient theorem)
            (g,) = vjp(core.value_gradient_pi(game, V, d))
            diag = (ev.get("fallback", jnp.array(0)),
                    jnp.maximum(ev.get("bound_V", jnp.array(0.0)), ev.get("bound_d", jnp.array(0.0))))
        thetas = tuple(t + cfg.eta * gi for t, gi in zip(thetas, g))  # Eq. (2)
        return (thetas, V, d), (v / J_star, diag)

    def chunk(carry, _):
        thetas_in = carry[0]
        carry, (poa, (fb, bound)) = jax.lax.scan(step, carry, None, length=k)
        return carry, (poa, thetas_in, fb.sum(), bound.max())

    def init(rng):
        """The scan carry at t = 0: theta_0 and its exact V, d (direct solve)."""
        thetas = core.init_thetas(rng, parents, S, cfg.init_scale)
        ev0 = core.evaluate_direct(game, core.joint_policy_chain(thetas, parents))
        return thetas, ev0["V"], ev0["d"]

    def run(rng):
        """The dynamics only: POA at every iterate and the parameters at t = 0, k, ..., T (and, as third
        output, the warm evaluation's fallback counts and certified bounds per chunk)."""
        (thetas, _, _), (poa, snaps, fb, bound) = jax.lax.scan(chunk, init(rng), None, length=n_chunks)
        snaps = tuple(jnp.concatenate([a, b[None]]) for a, b in zip(snaps, thetas))
        poa = jnp.concatenate([poa.reshape(-1), (J(thetas) / J_star)[None]])
        return poa, snaps, (fb, bound)

    def train(rng):
        poa, snaps, (fb, bound) = run(rng)
        # the metrics are taken on the snapshots after the scan (one vmapped batch)
        ms = jax.vmap(metrics)(snaps)
        out = {"poa": poa, "iters": jnp.arange(0, cfg.iterations + 1, k)}
        out.update(ms)
        out["thetas"] = tuple(t[-1] for t in snaps)
        if method == "warm":
            out["eval_fallbacks"] = fb       # per chunk: systems that took the direct solve
            out["eval_bound"] = bound        # per chunk: largest certified |V - V_pi|, |d - d_pi| of a warm solve
        return out

    train.run = run
    train.init = init
    train.step = step          # (thetas, V, d), None -> new carry, (POA_t, (fallbacks, bound))
    train.metrics = metrics
    train.method = method
    return train


def _batched(fn, method: str):
    """vmap over seeds, or (warm evaluation) a sequential map: under vmap the fallback branch of the warm
    evaluation would become a select that runs the direct solve for every seed at every iterate."""
    if method == "warm":
        return lambda keys: jax.lax.map(fn, keys)
    return jax.vmap(fn)


#: XLA options that halve compile time of these small programs at a small run-time cost (used by the
#: figure profiles, where compilation dominates; the benchmark reports both settings)
FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}


def train_seeds(config, seeds, keep_thetas: bool = False, compiler_options: dict | None = None) -> dict:
    """Run ``make_train(config)`` vmapped over the integer seeds (PRNGKey(seed) each), compiled once."""
    train = make_train(config)
    keys = jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds])
    fn = jax.jit(_batched(train, train.method)).lower(keys).compile(compiler_options or {})
    out = dict(fn(keys))
    if not keep_thetas:
        out.pop("thetas")
    return jax.device_get(out)


def timed_train_seeds(config, seeds, compiler_options: dict | None = None) -> tuple[dict, float, float]:
    """(results, compile+first-run seconds, steady-state seconds of a second identical run)."""
    keys = jnp.stack([jax.random.PRNGKey(int(s)) for s in seeds])
    t0 = time.perf_counter()
    tr = make_train(config)
    train = jax.jit(_batched(tr, tr.method)).lower(keys).compile(compiler_options or {})
    out = jax.block_until_ready(train(keys))
    t1 = time.perf_counter()
    out = jax.block_until_ready(train(keys))
    t2 = time.perf_counter()
    out = dict(out)
    out.pop("thetas")
    return jax.device_get(out), t1 - t0, t2 - t1
