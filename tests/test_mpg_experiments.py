"""The compiled mpg dynamics (verify.experiments.mpg_algorithms / mpg_nn) against independent NumPy
reference steps on the dense Coordination Game of ``verify.games``, planted errors, the statement
checkers of ``verify.experiments.mpg_figures`` on planted curves, and resuming runs from CSV."""
import numpy as np
import pytest

import jax
import jax.numpy as jnp

from verify import evaluation as E
from verify.errors import InputError
from verify.experiments import core
from verify.experiments import mpg_algorithms as TA
from verify.experiments import mpg_figures as F
from verify.experiments import mpg_nn as NN
from verify.games import coordination_game
from verify.oracles import jax_value_gradient
from verify.policies import BNPolicy

TOL = 1e-9


def _theta(N=2, seed=0, scale=1.0):
    return np.random.default_rng(seed).normal(size=(N, 2 ** N, 2)) * scale


def _policy(theta):
    N, S, _ = theta.shape
    return BNPolicy.product([2] * N, S, thetas=[theta[i] for i in range(N)])


def _rel(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / max(np.abs(np.asarray(b)).max(), 1e-12))


# ---- reference steps (NumPy, verify.evaluation on the dense game) --------------------------------
def ref_pg_step(game, theta, eta, lam=0.0):
    """mpg Eq. (3) / Sec. 3.2 with the independent autodiff oracle of verify.oracles."""
    g = jax_value_gradient(game, _policy(theta), barrier=lam)
    return theta + eta * np.stack(g)


def ref_advantages(game, theta):
    pol = _policy(theta)
    return np.stack([E.product_advantage(game, pol, i, reward=None) for i in range(theta.shape[0])])


def ref_npg_step(game, theta, eta, factor=1.0, sign=1.0):
    """Soft policy iteration, mpg Lemma 3.7: theta^i + eta A^i (all agents)."""
    return theta + sign * eta * factor * ref_advantages(game, theta)


def ref_npg_br_step(game, theta, K):
    """mpg Eqs. (5)-(6): K soft-PI steps per agent against theta^{-i}, keep the max potential gain."""
    phi0 = E.value_mu(game, _policy(theta))
    best, best_gain = None, -np.inf
    for i in range(theta.shape[0]):
        th = theta.copy()
        for _ in range(K):
            th[i] = th[i] + ref_advantages(game, th)[i]
        gain = E.value_mu(game, _policy(th)) - phi0
        if gain > best_gain:
            best, best_gain = th, gain
    return best


# ---- the compiled steps agree with the references ------------------------------------------------
@pytest.mark.parametrize("N", [2, 3])
def test_pg_step_matches_autodiff_oracle(N):
    game_d, game = coordination_game(N), core.coord_game(N)
    th = _theta(N, 1)
    for lam in (0.0, 0.1):
        ours = np.asarray(TA.pg_step(game, jnp.asarray(th), lam, 0.5))
        assert _rel(ours - th, ref_pg_step(game_d, th, 0.5, lam) - th) < 1e-8
    # planted: the step without the barrier, or with the step size x100, is caught
    ours = np.asarray(TA.pg_step(game, jnp.asarray(th), 0.1, 0.5))
    assert _rel(ours - th, ref_pg_step(game_d, th, 0.5, 0.0) - th) > 1e-4
    assert _rel(ours - th, ref_pg_step(game_d, th, 50.0, 0.1) - th) > 1e-2


def test_npg_step_is_soft_policy_iteration_and_catches_planted_errors():
    game_d, game = coordination_game(2), core.coord_game(2)
    th = _theta(2, 2)
    ours = np.asarray(TA.npg_step(game, jnp.asarray(th), 0.0, 0.7))
    assert _rel(ours - th, ref_npg_step(game_d, th, 0.7) - th) < TOL
    # planted: Agarwal's 1/(1-gamma) with the unnormalized d, and a flipped sign
    assert _rel(ours - th, ref_npg_step(game_d, th, 0.7, factor=1 / (1 - game_d.gamma)) - th) > 0.5
    assert _rel(ours - th, ref_npg_step(game_d, th, 0.7, sign=-1.0) - th) > 1.0


def test_npg_barrier_direction_solves_the_fisher_system():
    """F^i_s y_s = grad_s L_lambda with F^i_s = d(s)(diag pi - pi pi^T) (the unnormalized d of mpg Sec. 2)."""
    game_d, game = coordination_game(2), core.coord_game(2)
    th = _theta(2, 3)
    lam = 0.3
    y = np.asarray(TA.natural_direction(game, TA.locals_of(jnp.asarray(th)), lam))
    grad = np.stack(jax_value_gradient(game_d, _policy(th), barrier=lam))
    pol = _policy(th)
    d = E.visitation_unnormalized(game_d, pol)
    for i in range(2):
        pi = pol.local(i)
        Fy = d[:, None] * (pi * y[i] - pi * (pi * y[i]).sum(-1, keepdims=True))
        assert _rel(Fy, grad[i]) < 1e-8
    # planted: the barrier part dropped
    y0 = np.asarray(TA.natural_direction(game, TA.locals_of(jnp.asarray(th)), 0.0))
    pi = pol.local(0)
    Fy0 = d[:, None] * (pi * y0[0] - pi * (pi * y0[0]).sum(-1, keepdims=True))
    assert _rel(Fy0, grad[0]) > 1e-3


@pytest.mark.parametrize("K", [1, 3])
def test_npg_br_step_matches_reference(K):
    game_d, game = coordination_game(3), core.coord_game(3)
    th = _theta(3, 4)
    ours = np.asarray(TA.npg_br_step(game, jnp.asarray(th), 0.0, K, 1.0))
    ref = ref_npg_br_step(game_d, th, K)
    assert _rel(ours, ref) < 1e-8
    assert int((np.abs(ours - th).max(axis=(1, 2)) > 0).sum()) == 1       # one agent moves (Eq. (6))


def test_metrics_match_dense_evaluation():
    game_d, game = coordination_game(3), core.coord_game(3)
    th = _theta(3, 5)
    p, g = TA.metrics(game, jnp.asarray(th))
    pol = _policy(th)
    assert abs(float(p) - E.price_of_anarchy(game_d, pol)) < 1e-10
    assert abs(float(g) - E.nash_gap(game_d, pol)) < 1e-8


def test_make_train_equals_run_grid_and_starts_from_shared_inits():
    cfg = {"N": 2, "algorithm": "npg-br", "T": 4, "n_init": 2, "lams": (0.0, 0.1), "Ks": (1, 2)}
    rng = jax.random.PRNGKey(3)
    a = jax.jit(TA.make_train(cfg))(rng)
    b = TA.run_grid(cfg, rng)
    assert np.allclose(np.asarray(a["poa"]), b["poa"], atol=1e-12)
    assert np.allclose(np.asarray(a["nash_gap"]), b["nash_gap"], atol=1e-9)
    c = TA.run_grid(dict(cfg, algorithm="pg", Ks=(5,)), rng)
    assert np.allclose(c["poa"][0, 0, :, 0], b["poa"][0, 0, :, 0])     # same initial policies


def test_nn_gradient_and_bad_input():
    cfg = {"N": 2, "algorithm": "nn-pg", "T": 2, "n_init": 1, "lams": (0.0,), "eta": 0.1}
    params = NN.init_params(jax.random.PRNGKey(0), 2, 1)
    p0 = jax.tree_util.tree_map(lambda x: x[0], params)
    game = core.coord_game(2)
    g = jax.grad(NN.objective, argnums=1)(game, p0, 0.0)
    # finite difference along a random direction
    rng = np.random.default_rng(0)
    v = jax.tree_util.tree_map(lambda x: jnp.asarray(rng.normal(size=x.shape)), p0)
    h = 1e-6
    f = lambda t: float(NN.objective(game, jax.tree_util.tree_map(lambda x, y: x + t * y, p0, v), 0.0))
    fd = (f(h) - f(-h)) / (2 * h)
    ad = sum(float((a * b).sum()) for a, b in zip(jax.tree_util.tree_leaves(g), jax.tree_util.tree_leaves(v)))
    assert abs(fd - ad) <= 1e-6 * max(1.0, abs(ad))
    out = NN.run_grid(cfg, jax.random.PRNGKey(0))
    assert out["poa"].shape == (1, 1, 1, 3)
    with pytest.raises(InputError):
        NN.full_config({"algorithm": "nn-sgd"})
    with pytest.raises(InputError):
        TA.full_config({"algorithm": "pg", "eta": -1.0})
    with pytest.raises(InputError):
        F.profile_config("fast")


# ---- statement checkers flip on planted curves ---------------------------------------------------
def _run(alg, N, curves_poa, curves_gap, lams=(0.0,), Ks=(0,)):
    """A Run from explicit mean curves (3 initializations: the curve +- a small spread)."""
    P = np.asarray(curves_poa, float)[:, None, None, :] + np.array([-1e-3, 0, 1e-3])[None, None, :, None]
    G = np.asarray(curves_gap, float)[:, None, None, :] + np.zeros((1, 1, 3, 1))
    its = np.arange(P.shape[-1])
    return F.Run(alg, N, np.asarray(lams), np.asarray(Ks), its, P, G, np.arange(3), 1.0)


def _ramp(t_reach, final=0.9, T=20):
    t = np.arange(T + 1)
    return np.where(t >= t_reach, final, 0.5 + (final - 0.5) * t / t_reach)


def _gap(t_reach, T=20):
    t = np.arange(T + 1)
    return np.where(t >= t_reach, 0.0, 1.0 - t / t_reach)


def _fig1(order):
    """Curves where the algorithms reach their final value at the iterations given in ``order``."""
    out = {}
    for alg, t in order.items():
        run = _run(alg, 2, [_ramp(t, 0.95 - t / 100)], [_gap(t)])
        out[alg] = F.Curve(alg, run, 0.0, 0)
    return {2: out}


def test_statement_checkers_flip_on_planted_data():
    good = _fig1({"npg": 3, "npg-br": 6, "pg": 12})
    bad = _fig1({"npg": 6, "npg-br": 3, "pg": 12})
    assert F.st_npg_fastest(good)["held"] and not F.st_npg_fastest(bad)["held"]
    assert F.st_npg_highest_poa(good)["held"] and not F.st_npg_highest_poa(bad)["held"]
    # K sweep: the stated K for N = 2 is 50
    P = np.stack([np.r_[[0.5] * 5, [0.9 if K == 50 else 0.8] * 5] for K in F.KS])[None, :, None, :].repeat(3, 2)
    r50 = F.Run("npg-br", 2, np.array([0.0]), np.array(F.KS), np.arange(10), P, np.zeros_like(P), np.arange(3), 1.0)
    r5 = F.Run("npg-br", 2, np.array([0.0]), np.array(F.KS), np.arange(10), P[:, ::-1].copy(), np.zeros_like(P),
               np.arange(3), 1.0)
    assert F.st_k_best({2: r50})["held"] and not F.st_k_best({2: r5})["held"]


def _fig2(nn_pg_final, npg_final, nn_early=0.9, lb_gain=0.05):
    T = 20
    t = np.arange(T + 1)

    def c(name, start, final, gap_final=0.1):
        poa = start + (final - start) * np.minimum(t / 10, 1)
        return F.Curve(name, _run(name.replace("+lb", ""), 2, [poa], [np.full(T + 1, gap_final)]), 0.0, 0)
    cv = {"pg": c("pg", 0.5, 0.7), "pg+lb": c("pg+lb", 0.5, 0.7),
          "npg": c("npg", 0.5, npg_final), "npg+lb": c("npg+lb", 0.5, npg_final),
          "nn-pg": c("nn-pg", nn_early, nn_pg_final), "nn-pg+lb": c("nn-pg+lb", nn_early, nn_pg_final + lb_gain, 0.05),
          "nn-adam": c("nn-adam", 0.5, 0.6), "nn-adam+lb": c("nn-adam+lb", 0.5, 0.6 + lb_gain, 0.05)}
    return cv


def test_figure2_checkers_flip_on_planted_data():
    good = {2: _fig2(0.85, 0.95), 5: _fig2(0.85, 0.95, lb_gain=0.08)}
    assert F.st_nn_pg_early_npg_final(good)["held"]
    assert not F.st_nn_pg_early_npg_final({2: _fig2(0.97, 0.95)})["held"]
    assert F.st_barrier_nn(good)["held"]
    assert not F.st_barrier_nn({2: _fig2(0.85, 0.95), 5: _fig2(0.85, 0.95, lb_gain=-0.02)})["held"]
    assert F.st_adam_below_npg(good)["held"]
    assert not F.st_adam_below_npg({5: _fig2(0.85, 0.60)})["held"]


# ---- resume ---------------------------------------------------------------------------------------
def test_runs_resume_from_csv(tmp_path, monkeypatch):
    cfg = dict(F.profile_config("quick"), T=4, every=2)
    a = F.get_run("pg", 2, (0.0, 0.1), (5,), 2, cfg, str(tmp_path))
    files = list((tmp_path / "mpg_runs").glob("*.csv"))
    assert len(files) == 1
    F._RUNS.clear()

    def boom(*args, **kw):
        raise AssertionError("recomputed instead of resumed")
    monkeypatch.setattr(TA, "run_grid", boom)
    b = F.get_run("pg", 2, (0.0, 0.1), (5,), 2, cfg, str(tmp_path))
    assert np.array_equal(a.poa, b.poa) and np.array_equal(a.nash_gap, b.nash_gap)
    assert np.array_equal(a.iterations, b.iterations) and np.array_equal(a.lams, b.lams)
    F._RUNS.clear()
    with pytest.raises(AssertionError):       # another configuration is not taken from that file
        F.get_run("pg", 2, (0.0, 0.1), (5,), 3, cfg, str(tmp_path))
