"""The exact PG driver: an ascent step on a team game increases V(mu) for a small step, the barrier
and per-agent rewards route to the right gradient, stop/record behave, and bad input is one line."""
import numpy as np
import pytest

from verify.dynamics import exact_gradient, grad_norm, pg
from verify.errors import InputError
from verify.evaluation import value_mu
from verify.instances import build, sample_spec
from verify.oracles import fd_value_gradient


def _inst(seed=3, **dom):
    spec = sample_spec(np.random.default_rng(seed), dict({"n_agents": (2, 3), "states": (2, 3), "action": (2, 3)}, **dom))
    return build(spec)


def test_small_steps_increase_the_team_value():
    game, pol = _inst()
    run = pg(game, pol, eta=1e-3 * (1 - game.gamma) ** 3, iters=5,
             record=lambda t, p, g: {"V": value_mu(game, p)})
    vs = [h["V"] for h in run.history]
    assert all(b > a for a, b in zip(vs, vs[1:]))


def test_gradient_matches_finite_differences_with_barrier():
    game, pol = _inst(5)
    g = exact_gradient(game, pol, barrier=0.3)
    fd, _ = fd_value_gradient(game, pol, barrier=0.3)
    assert max(np.abs(a - b).max() for a, b in zip(g, fd)) < 1e-6 * max(1.0, grad_norm(fd))


def test_own_rewards_take_agent_i_block_from_V_i():
    game, pol = _inst(7, rewards=("potential",))
    g = exact_gradient(game, pol, reward="own")
    for i in range(game.n_agents):
        fd, _ = fd_value_gradient(game, pol, reward=i)
        assert np.allclose(g[i], fd[i], rtol=1e-6, atol=1e-9)


def test_stop_returns_the_policy_it_stopped_at():
    game, pol = _inst()
    run = pg(game, pol, eta=0.1, iters=50, stop=lambda t, p, g: t == 3)
    assert run.stopped_early and run.iterations == 3


@pytest.mark.parametrize("eta, iters", [(0.0, 3), (-1.0, 3), (0.1, -1)])
def test_bad_input(eta, iters):
    game, pol = _inst()
    with pytest.raises(InputError):
        pg(game, pol, eta=eta, iters=iters)
