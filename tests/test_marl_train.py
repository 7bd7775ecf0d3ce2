"""BN-MAPPO training runs: variants as data, chunked runs that resume after a stop, the SMAX environments
(jaxmarl is a test dependency: these tests fail, not skip, without it)."""
from __future__ import annotations

import csv
import os

import jax
import numpy as np
import pytest

from verify.errors import InputError
from verify.marl.experiments import run_grid


def test_run_grid_resumes_and_variants_are_data(tmp_path):
    spec = {"tag": "t", "config": {"env": "coordination", "env_kwargs": {"n_agents": 3}, "n_envs": 2,
                                   "total_steps": 40 * 3},
            "variants": ["context", "full", "uncorrelated", "line"], "seeds": [0, 1], "chunk": 1,
            "time_budget_s": 0.0}
    a = run_grid(spec, str(tmp_path), progress=False)
    assert not a["complete"] and len(a["rows"]) == 8                  # stopped after one chunk
    b = run_grid(spec, str(tmp_path), progress=False)
    assert len(b["rows"]) == 16 and not b["complete"]
    spec2 = dict(spec, time_budget_s=None)
    c = run_grid(spec2, str(tmp_path), progress=False)               # same spec (the budget is not part of it)
    assert c["complete"] and len(c["rows"]) == 24
    rows = c["rows"]
    assert [int(r["update"]) for r in rows if r["variant"] == "full" and r["seed"] == "0"] == [1, 2, 3]
    dens = {v: {float(r["density"]) for r in rows if r["variant"] == v} for v in ("full", "uncorrelated", "line")}
    assert dens["full"] == {1.0} and dens["uncorrelated"] == {0.0}
    assert np.allclose(list(dens["line"]), 2.0 / 3)
    ctx = [float(r["density"]) for r in rows if r["variant"] == "context"]
    assert 0.2 < np.mean(ctx) < 0.8                                    # learned DAG starts near 50%
    # a changed spec starts over
    d = run_grid(dict(spec2, seeds=[5]), str(tmp_path), progress=False)
    assert len(d["rows"]) == 12 and {r["seed"] for r in d["rows"]} == {"5"}


def test_smax_environments():
    import jaxmarl  # noqa: F401  (a test dependency)
    from verify.marl.envs import MMM2_APPROX_TEXT, make_env
    with jax.enable_x64(False):
        env = make_env("smax:6h_vs_8z")
        assert env.n_agents == 6 and env.name == "smax:6h_vs_8z"
        st, ts = env.reset(jax.random.PRNGKey(0))
        assert ts.obs.shape == (6, env.obs_dim) and ts.avail.shape == (6, env.n_actions)
        a = np.argmax(np.asarray(ts.avail), axis=1).astype(np.int32)
        st, ts = env.step(jax.random.PRNGKey(1), st, a)
        assert ts.state.shape == (env.state_dim,)
        m = make_env("smax:MMM2-approx")
        assert m.n_agents == 10 and "no medivac" in m.description and m.description == MMM2_APPROX_TEXT
    with pytest.raises(InputError):
        make_env("smax:MMM2")        # SMAX has no medivac: only the named approximation exists
