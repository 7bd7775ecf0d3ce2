"""The compiled Coordination-Game engine (verify.experiments.core) against the dense NumPy engine and
the autodiff oracle; planted errors; the Figure 3 statement checkers on planted data; resume."""
import numpy as np
import pytest

import jax
import jax.numpy as jnp

from verify import evaluation as E
from verify.errors import InputError
from verify.experiments import bn_pg, bnac_figures as B, core as C
from verify.games import coordination_game
from verify.gradients import bn_pg_corrected
from verify.oracles import jax_value_gradient
from verify.policies import DAG, BNPolicy


def _instances(N, k, seed=0):
    rng = np.random.default_rng(seed + N)
    for t in range(k):
        dag = DAG.full(N) if t == 0 else DAG.random(N, rng)
        yield dag, BNPolicy.random(dag, (2,) * N, 2 ** N, rng, scale=2.0)


def _core_vs_dense(game, cg, dag, pol, evaluate=C.evaluate):
    """Max abs differences of V, Q, d, POA and Nash gaps between the compiled and the dense engines."""
    th = tuple(jnp.asarray(t) for t in pol.thetas)
    pi = C.joint_policy(th, dag.parents)
    ev = evaluate(cg, pi)
    S = game.n_states
    gaps, ok = C.nash_gaps(cg, th, dag.parents)
    assert bool(ok)
    return {
        "pi": np.abs(np.asarray(pi) - pol.joint_flat()).max(),
        "V": np.abs(np.asarray(ev["V"]) - E.value(game, pol)).max(),
        "Q": np.abs(np.asarray(ev["Q"]) - E.q_values(game, pol).reshape(S, -1)).max(),
        "d": np.abs(np.asarray(ev["d"]) - E.visitation_unnormalized(game, pol)).max(),
        "poa": abs(float(C.poa(cg, pi)) - E.price_of_anarchy(game, pol)),
        "nash": np.abs(np.asarray(gaps) - E.nash_gaps(game, pol)).max(),
    }


@pytest.mark.parametrize("N", [1, 2, 3])
def test_game_matches_dense(N):
    game, cg = coordination_game(N), C.coord_game(N)
    S = 2 ** N
    assert np.allclose(np.asarray(cg.r), game.rewards[0].reshape(S, -1)[:, 0])
    assert np.allclose(np.asarray(C.push_forward(cg, jnp.eye(S))), game.P_flat[0])
    X = np.random.default_rng(1).standard_normal((3, S))
    assert np.allclose(np.asarray(C.expect_next(cg, jnp.asarray(X))), X @ game.P_flat[0].T)
    for s in range(S):  # P does not depend on s
        assert np.allclose(game.P_flat[s], game.P_flat[0])
    assert abs(float(C.optimal_value(cg)) - E.optimal_value_mu(game, None)) < 1e-10


@pytest.mark.parametrize("N", [2, 3])
def test_core_agrees_with_dense_engine(N):
    game, cg = coordination_game(N), C.coord_game(N)
    for dag, pol in _instances(N, 4):
        diffs = _core_vs_dense(game, cg, dag, pol)
        assert max(diffs.values()) < 1e-9, diffs


@pytest.mark.parametrize("N", [2, 3])
def test_gradient_agrees_with_oracles(N):
    game, cg = coordination_game(N), C.coord_game(N)
    for dag, pol in _instances(N, 3, seed=7):
        th = tuple(jnp.asarray(t) for t in pol.thetas)
        g = jax.grad(lambda t: C.value_mu(cg, C.joint_policy(t, dag.parents), "lapack"))(th)
        for a, b, c in zip(g, bn_pg_corrected(game, pol), jax_value_gradient(game, pol)):
            assert np.abs(np.asarray(a) - b).max() < 1e-9
            assert np.abs(np.asarray(a) - c).max() < 1e-9


def test_planted_errors_are_caught():
    """A dropped gamma in Q, a transposed local transition, and reversed parents must all be detected."""
    N = 2
    game, cg = coordination_game(N), C.coord_game(N)
    dag, pol = next(_instances(N, 1))

    def dropped_gamma(g, pi):
        ev = dict(C.evaluate(g, pi))
        ev["Q"] = g.r[:, None] + C.expect_next(g, ev["V"])[None, :]  # gamma dropped
        return ev
    assert _core_vs_dense(game, cg, dag, pol, dropped_gamma)["Q"] > 1e-3
    bad = cg._replace(q=cg.q.T @ jnp.array([[0.0, 1.0], [1.0, 0.0]]))  # wrong local transition
    assert _core_vs_dense(game, bad, dag, pol)["V"] > 1e-3
    assert _core_vs_dense(game, cg._replace(gamma=0.9), dag, pol)["V"] > 1e-3  # wrong discount


def test_bad_input():
    with pytest.raises(InputError):
        C.coord_game(0)
    with pytest.raises(InputError):
        C.dag_parents([[1], [0]], 2)  # a cycle
    with pytest.raises(InputError):
        bn_pg.Config.make({"iterations": 10, "metrics_every": 3})
    with pytest.raises(InputError):
        bn_pg.Config.make({"step": 1})


def test_train_small_run_is_sane():
    out = bn_pg.train_seeds({"N": 2, "dag": "full", "iterations": 20, "metrics_every": 10}, [0, 1])
    assert out["poa"].shape == (2, 21) and out["nash_gap"].shape == (2, 3)
    assert np.all(out["poa"] > 0) and np.all(out["poa"] <= 1 + 1e-12)
    assert np.all(out["nash_gap"] >= -1e-9) and np.all(out["nash_ok"])
    # the dynamics ascend: J grows along the first steps of exact gradient ascent with a small step
    small = bn_pg.train_seeds({"N": 2, "dag": "line", "eta": 0.01, "iterations": 10, "metrics_every": 10}, [0])
    assert np.all(np.diff(small["poa"][0]) > 0)


def _planted(gap_T=0.001, full=0.95, line=0.90, unc=0.85, dpar_T=1e-6, slow=True, N=(2, 3, 5)):
    """Synthetic Figure 3 data with chosen final values (3 seeds, 11 iterates)."""
    res = {}
    t = np.linspace(0, 1, 11)
    for n in N:
        for dag, fin in (("full", full), ("line", full if n == 2 else line), ("uncorrelated", unc)):
            rate = (3.0 if slow else 100.0) if dag == "full" else 10.0
            curve = 0.5 + (fin - 0.5) * (1 - np.exp(-rate * t)) / (1 - np.exp(-rate))
            g = 10 * np.exp(-8 * t) + gap_T - 10 * np.exp(-8)
            res[(n, dag)] = {"poa": np.tile(curve, (3, 1)), "nash_gap": np.tile(g[::5], (3, 1)),
                             "nash_ok": np.ones((3, 3), bool), "iters": np.tile([0, 5, 10], (3, 1)),
                             "min_dpar": np.tile([1e-2, 1e-4, dpar_T], (3, 1)) if dag != "uncorrelated"
                             else np.full((3, 3), np.inf)}
    if 2 in N:  # N = 2: Line is the same DAG as Full, the same curves
        res[(2, "line")] = {k: v.copy() for k, v in res[(2, "full")].items()}
    return res


def _held(res, defs=None):
    return {s["slug"]: s["held"] for s in B.statements(res, defs)}


def test_statement_checkers_flip_on_planted_data():
    base = _held(_planted(slow=False))
    assert base["nash-gap-to-zero"] and base["full-outperforms"] and base["full-not-optimal"]
    assert base["assumption-5.6-violated"] and base["n2-line-full-coincide"]
    assert _held(_planted(slow=True))["full-slowest"] is True
    assert _held(_planted(gap_T=5.0, slow=False))["nash-gap-to-zero"] is False
    assert _held(_planted(full=0.80, slow=False))["full-outperforms"] is False          # reversed ordering
    assert _held(_planted(full=0.999, slow=False))["full-not-optimal"] is False
    assert _held(_planted(dpar_T=0.5e-2, slow=False))["assumption-5.6-violated"] is False
    assert _held(_planted(slow=False))["full-slowest"] is False
    # Line: similar at 2, 5 and poor at 3 -> held with line close to unc everywhere except where equal
    r = _planted(line=0.86)
    r[(5, "line")]["poa"] = r[(5, "full")]["poa"].copy()
    assert _held(r)["line-similar-n2-n5-poor-n3"] is True
    assert _held(_planted(line=0.945))["line-similar-n2-n5-poor-n3"] is False
    r = _planted(slow=False)
    r[(2, "line")]["poa"] = r[(2, "line")]["poa"] + 1e-6
    assert _held(r)["n2-line-full-coincide"] is False
    # planted definitions: the tolerance divided by 1000 refutes a statement that held
    assert _held(_planted(gap_T=0.05), {"close_to_zero": 0.01})["nash-gap-to-zero"] is True
    assert _held(_planted(gap_T=0.05), {"close_to_zero": 0.00001})["nash-gap-to-zero"] is False


def test_figure_resume(tmp_path):
    over = {"seeds": 2, "iterations": 20, "metrics_every": 10}
    a = B.collect("quick", str(tmp_path), Ns=(2,), prof_override=over, log=None)
    assert all(t > 0 or dag == "full" for (n, dag), t in a["timing"].items())
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 3 and all(f.endswith(".csv") for f in files)
    b = B.collect("quick", str(tmp_path), Ns=(2,), prof_override=over, log=None)
    assert all(t == 0.0 for t in b["timing"].values())  # read back, not rerun
    for k in a["results"]:
        assert np.allclose(a["results"][k]["poa"], b["results"][k]["poa"], rtol=0, atol=1e-15)
        assert np.allclose(a["results"][k]["nash_gap"], b["results"][k]["nash_gap"], rtol=0, atol=1e-15)
    B.plot(b, str(tmp_path / "fig.png"))
    assert (tmp_path / "fig.png").stat().st_size > 1000
