"""The fast exact engine of bnac Figure 3 (verify.experiments.core / bn_pg): the chain-built joint policy,
the policy-gradient-theorem gradient, the certified warm-started evaluation and its fallback, against
the dense NumPy engine, jax autodiff and the direct solve; planted errors; Figure 3's quick profile
against the committed paper-profile runs."""
import os

import numpy as np
import pytest

import jax
import jax.numpy as jnp

from verify import evaluation as E
from verify.errors import InputError
from verify.experiments import bn_pg, bnac_figures as B, core as C
from verify.games import coordination_game
from verify.gradients import bn_pg_corrected
from verify.policies import DAG, BNPolicy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOL = 1e-10


def _dags(N, rng):
    yield DAG.empty(N)
    yield DAG.line(N)
    yield DAG.full(N)
    yield DAG.random(N, rng)


@pytest.mark.parametrize("N", [1, 2, 3, 4])
def test_chain_joint_equals_broadcast_joint(N):
    """joint_from_locals_chain multiplies the same factors in the same order as joint_from_locals."""
    rng = np.random.default_rng(N)
    for dag in list(_dags(N, rng)) + [DAG.from_parents([()] + [(N - 1,)] + [()] * (N - 2)) if N > 2 else DAG.empty(N)]:
        th = C.init_thetas(jax.random.PRNGKey(N), dag.parents, 2 ** N, 2.0)
        a = np.asarray(C.joint_policy(th, dag.parents))
        b = np.asarray(C.joint_policy_chain(th, dag.parents))
        assert np.array_equal(a, b), dag.parents


def test_chain_joint_matches_dense_policy():
    """Independent oracle: verify.policies.BNPolicy.joint_flat (NumPy)."""
    rng = np.random.default_rng(5)
    for dag in _dags(4, rng):
        pol = BNPolicy.random(dag, (2,) * 4, 16, rng, scale=2.0)
        pi = C.joint_policy_chain(tuple(jnp.asarray(t) for t in pol.thetas), dag.parents)
        assert np.abs(np.asarray(pi) - pol.joint_flat()).max() < 1e-14


@pytest.mark.parametrize("N", [2, 3, 4])
def test_policy_gradient_theorem_gradient_matches_dense_and_autodiff(N):
    """vjp(pi)[gamma d(s) (E V)(a)] = grad J: against the dense corrected Lemma 5.1 (NumPy) and jax.grad
    of J through the dense solve."""
    game, cg = coordination_game(N), C.coord_game(N)
    rng = np.random.default_rng(N)
    for dag in _dags(N, rng):
        pol = BNPolicy.random(dag, (2,) * N, 2 ** N, rng, scale=2.0)
        th = tuple(jnp.asarray(t) for t in pol.thetas)
        pi, vjp = jax.vjp(lambda t: C.joint_policy_chain(t, dag.parents), th)
        pi2, vjp2 = C.joint_policy_chain_vjp(th, dag.parents)
        assert np.array_equal(np.asarray(pi), np.asarray(pi2))
        ev = C.evaluate_direct(cg, pi)
        (g,) = vjp(C.value_gradient_pi(cg, ev["V"], ev["d"]))
        (g2,) = vjp2(C.value_gradient_pi(cg, ev["V"], ev["d"]))
        dense = bn_pg_corrected(game, pol)
        for a, b in zip(g, g2):
            assert np.abs(np.asarray(a) - np.asarray(b)).max() < 1e-12
        auto = jax.grad(lambda t: C.value_mu(cg, C.joint_policy(t, dag.parents), "lapack"))(th)
        for a, b, c in zip(g, dense, auto):
            assert np.abs(np.asarray(a) - b).max() < 1e-10
            assert np.abs(np.asarray(a) - np.asarray(c)).max() < 1e-10
        assert abs(float(ev["J"]) - float(game.mu @ E.value(game, pol))) < 1e-10


def test_planted_gradient_error_is_caught():
    """The comparison above fails for a gradient built with the normalized visitation (1 - gamma) d."""
    N = 3
    game, cg = coordination_game(N), C.coord_game(N)
    pol = BNPolicy.random(DAG.full(N), (2,) * N, 8, np.random.default_rng(0), scale=2.0)
    th = tuple(jnp.asarray(t) for t in pol.thetas)
    pi, vjp = jax.vjp(lambda t: C.joint_policy_chain(t, pol.dag.parents), th)
    ev = C.evaluate_direct(cg, pi)
    (g,) = vjp(C.value_gradient_pi(cg, ev["V"], (1 - cg.gamma) * ev["d"]))
    dense = bn_pg_corrected(game, pol)
    assert max(np.abs(np.asarray(a) - b).max() for a, b in zip(g, dense)) > 1e-3


def test_certificate_bounds_the_error():
    """|x - x*| <= |b - A x| / (1 - gamma) in the inf-norm (V) and 1-norm (d), on planted perturbations
    of the exact solutions; and the bound is not vacuous (it certifies the exact solution below 1e-12)."""
    N = 6
    cg = C.coord_game(N)
    rng = np.random.default_rng(0)

    @jax.jit
    def bounds(pi, V, d):
        _, bV, _ = C.certified_solve(lambda x: C.bellman_apply(cg, pi, x), cg.r, V, cg.gamma, jnp.inf, max_cycles=0)
        _, bd, _ = C.certified_solve(lambda y: C.bellman_apply_T(cg, pi, y), cg.mu, d, cg.gamma, 1, max_cycles=0)
        return bV, bd

    for seed in range(3):
        th = C.init_thetas(jax.random.PRNGKey(seed), C.dag_parents("full", N), 2 ** N, 2.0)
        pi = C.joint_policy_chain(th, C.dag_parents("full", N))
        ev = C.evaluate_direct(cg, pi)
        for size in (1e-3, 1e-8, 1e-10):
            dV = size * rng.standard_normal(2 ** N)
            dd = size * rng.standard_normal(2 ** N)
            bV, bd = bounds(pi, ev["V"] + dV, ev["d"] + dd)
            assert float(bV) >= np.abs(dV).max() * (1 - 1e-6)
            assert float(bd) >= np.abs(dd).sum() * (1 - 1e-6)
        bV, bd = bounds(pi, ev["V"], ev["d"])
        assert float(bV) < 1e-12 and float(bd) < 1e-12


def _sampled_iterates(N, dag, T=60, every=7, seed=0):
    """A real policy-gradient run (direct evaluation, eta = 1): the parameters at t = 0..T."""
    tr = bn_pg.make_train({"N": N, "dag": dag, "evaluation": "direct", "iterations": T, "metrics_every": T})
    carry = tr.init(jax.random.PRNGKey(seed))
    out = [carry[0]]
    step = jax.jit(tr.step)
    for _ in range(T):
        carry, _ = step(carry, None)
        out.append(carry[0])
    return out[::every]


@pytest.mark.parametrize("N", [3, 5])
@pytest.mark.parametrize("dag", ["uncorrelated", "line", "full"])
def test_warm_evaluation_agrees_with_direct_on_pg_iterates(N, dag):
    """On sampled iterates t of a real run, V, d, J and the gradient from the warm evaluation started at
    iterate t - 1's V and d agree with the direct solve to 1e-10, without the fallback."""
    cg = C.coord_game(N)
    parents = C.dag_parents(dag, N)
    tr = bn_pg.make_train({"N": N, "dag": dag, "evaluation": "direct", "iterations": 40, "metrics_every": 40})
    step = jax.jit(tr.step)

    @jax.jit
    def both(th, V0, d0):
        pi, vjp = jax.vjp(lambda t: C.joint_policy_chain(t, parents), th)
        w = C.evaluate_warm(cg, pi, V0, d0)
        d = C.evaluate_direct(cg, pi)
        return w, d, vjp(C.value_gradient_pi(cg, w["V"], w["d"]))[0], vjp(C.value_gradient_pi(cg, d["V"], d["d"]))[0]

    carry = tr.init(jax.random.PRNGKey(3))
    checked = 0
    for t in range(40):
        prev = carry
        carry, _ = step(carry, None)
        if t % 6 == 5:
            w, d, gw, gd = both(carry[0], prev[1], prev[2])
            assert int(w["fallback"]) == 0
            for k in ("V", "d", "J"):
                assert np.abs(np.asarray(w[k]) - np.asarray(d[k])).max() <= TOL, (t, k)
            assert max(np.abs(np.asarray(a) - np.asarray(b)).max() for a, b in zip(gw, gd)) <= TOL
            assert float(w["bound_V"]) <= 1e-11 and float(w["bound_d"]) <= 1e-11
            checked += 1
    assert checked >= 6


def test_warm_fallback_path():
    """With no restarts allowed (planted max count 0) or a 1-dimensional Krylov space and one restart, the
    certificate is not reached from a cold start, the direct solve is taken, and the result is exact."""
    N = 5
    cg = C.coord_game(N)
    parents = C.dag_parents("full", N)
    th = C.init_thetas(jax.random.PRNGKey(0), parents, 2 ** N, 2.0)
    pi = C.joint_policy_chain(th, parents)
    d = C.evaluate_direct(cg, pi)
    zero = jnp.zeros(2 ** N)
    for m, cycles in ((24, 0), (1, 1)):
        w = C.evaluate_warm(cg, pi, zero, zero, m=m, max_cycles=cycles)
        assert int(w["fallback"]) == 2
        assert float(w["bound_V"]) == 0.0 and float(w["bound_d"]) == 0.0
        for k in ("V", "d", "J"):
            assert np.abs(np.asarray(w[k]) - np.asarray(d[k])).max() <= 1e-12
    # and without the planted limit the cold start is certified by the Krylov iterations alone
    w = C.evaluate_warm(cg, pi, zero, zero, max_cycles=20)
    assert int(w["fallback"]) == 0
    assert np.abs(np.asarray(w["V"]) - np.asarray(d["V"])).max() <= TOL


def test_warm_training_run_with_planted_fallback_equals_direct():
    """A whole run with eval_max_cycles = 0 takes the direct solve at every iterate but the first (2 per
    iterate) and reproduces the direct run; the default warm run needs no fallback and agrees to 1e-10 in
    POA and in the parameters."""
    base = {"N": 4, "dag": "line", "iterations": 40, "metrics_every": 20}
    key = jax.random.PRNGKey(1)

    def run(**kw):
        return jax.jit(bn_pg.make_train(dict(base, **kw)).run)(key)

    direct, planted, warm = run(evaluation="direct"), run(evaluation="warm", eval_max_cycles=0), run(evaluation="warm")
    # at t = 0 the warm start is theta_0's own exact V, d (certified as is); every later iterate falls back
    assert np.array_equal(np.asarray(planted[2][0]), [2 * 19, 2 * 20])
    assert np.abs(np.asarray(planted[0]) - np.asarray(direct[0])).max() <= 1e-12
    assert np.all(np.asarray(warm[2][0]) == 0)
    assert np.all(np.asarray(warm[2][1]) <= 1e-11)
    assert np.abs(np.asarray(warm[0]) - np.asarray(direct[0])).max() <= TOL
    for a, b in zip(warm[1], direct[1]):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() <= 1e-8


def test_evaluation_config_errors():
    with pytest.raises(InputError):
        bn_pg.Config.make({"evaluation": "fast"})
    with pytest.raises(InputError):
        bn_pg.Config.make({"eval_tol": 0.0})
    assert bn_pg.Config.make({"N": 2}).method == "direct"
    assert bn_pg.Config.make({"N": bn_pg.WARM_MIN_N}).method == "warm"


@pytest.mark.parametrize("N", [2, 3])
def test_figure3_quick_profile_unchanged(N):
    """bnac Figure 3's quick profile (default evaluation) reproduces the committed paper-profile runs
    (same seeds 0..49, 400 iterations; the quick profile's Nash gaps are every 40th iterate) to 1e-10."""
    prof = B.PROFILES["quick"]
    for dag in B.DAGS:
        if N == 2 and dag == "line":
            continue  # the same DAG as full at N = 2
        ref = B._read_csv(B._csv_path(os.path.join(REPO, "results", "figures"), "paper", N, dag))
        out = bn_pg.train_seeds(B.config_for(N, dag, prof), range(prof["seeds"]),
                                compiler_options=bn_pg.FAST_COMPILE)
        assert np.abs(out["poa"] - ref["poa"]).max() <= TOL
        it = list(ref["iters"][0])
        idx = [it.index(t) for t in out["iters"][0]]
        assert np.abs(out["nash_gap"] - ref["nash_gap"][:, idx]).max() <= TOL
        if dag != "uncorrelated":
            assert np.abs(out["min_dpar"] - ref["min_dpar"][:, idx]).max() <= TOL
