"""The Figs. 7-10 analysis (verify.marl.analysis) on hand-built states, the KL against an exact enumeration,
the figure statements on planted data, and the GPU script's CPU dry run."""
from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from verify.marl import analysis as A
from verify.marl import figures as F




# a hand-built 4-ally state: 1 -> 3, 2 -> 3, 1 -> 4, 3 -> 4 (1-based); ally 2 is dead
G4 = np.zeros((4, 4), np.float32)
for j, i in [(0, 2), (1, 2), (0, 3), (2, 3)]:
    G4[j, i] = 1.0
ALIVE4 = np.array([True, False, True, True])
HEALTH4 = np.array([0.2, 0.0, 0.6, 1.0], np.float32)
POS4 = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 4.0], [6.0, 8.0]], np.float32)   # distances 5 and 10 from ally 1
# visible[i, j] (sight range 6, both alive): 1<->3 (5), 3<->4 (5); not 1<->4 (10), nobody sees dead ally 2
VIS4 = np.zeros((4, 4), bool)
for i, j in [(0, 2), (2, 0), (2, 3), (3, 2)]:
    VIS4[i, j] = True


def test_visible_fraction_on_a_hand_built_state():
    f = np.asarray(A.visible_fraction(jnp.asarray(G4), jnp.asarray(VIS4), jnp.asarray(ALIVE4)))
    # ally 1: no parents; ally 2: dead; ally 3: parents {1, 2}, visible {1} -> 1/2; ally 4: parents {1, 3}, visible {3}
    assert np.isnan(f[0]) and np.isnan(f[1])
    assert f[2] == pytest.approx(0.5) and f[3] == pytest.approx(0.5)


def test_relative_health_and_distance_on_a_hand_built_state():
    N = 4
    others = ~np.eye(N, dtype=bool)
    h = np.broadcast_to(HEALTH4[None, :], (N, N))
    r = np.asarray(A.relative_parent_mean(jnp.asarray(G4), jnp.asarray(h), jnp.asarray(ALIVE4), jnp.asarray(others)))
    # ally 3: alive parents {1} -> 0.2; alive others {1, 4} -> 0.6; relative -0.4
    # ally 4: alive parents {1, 3} -> 0.4; alive others {1, 3} -> 0.4; relative 0
    assert np.isnan(r[0]) and np.isnan(r[1])
    assert r[2] == pytest.approx(-0.4) and r[3] == pytest.approx(0.0, abs=1e-7)
    d = np.linalg.norm(POS4[:, None] - POS4[None], axis=-1)
    r = np.asarray(A.relative_parent_mean(jnp.asarray(G4), jnp.asarray(d), jnp.asarray(ALIVE4), jnp.asarray(others)))
    # ally 3: parent 1 at 5; others {1 at 5, 4 at 5} -> 0; ally 4: parents {1 at 10, 3 at 5} = 7.5, others same -> 0
    assert r[2] == pytest.approx(0.0, abs=1e-6) and r[3] == pytest.approx(0.0, abs=1e-6)
    # the 'candidates' pool of ally 4 (j < 4, alive: 1, 3) equals its parents: 0; a pool with ally 4 alone for ally 3
    pool = np.zeros((N, N), bool)
    pool[2, 3] = True
    r = np.asarray(A.relative_parent_mean(jnp.asarray(G4), jnp.asarray(d), jnp.asarray(ALIVE4), jnp.asarray(pool)))
    assert r[2] == pytest.approx(5.0 - 5.0) and np.isnan(r[3])        # ally 4's pool is empty
    # a planted error (the dead ally counted as a parent) changes the number: the test can fail
    r_bad = np.asarray(A.relative_parent_mean(jnp.asarray(G4), jnp.asarray(h), jnp.asarray(np.ones(4, bool)),
                                              jnp.asarray(others)))
    assert r_bad[2] != pytest.approx(-0.4)


def test_smax_ally_view_on_a_hand_built_state():
    from verify.marl.envs import make_env
    env = make_env("smax:6h_vs_8z")
    with jax.enable_x64(False):
        st, _ = env.reset(jax.random.PRNGKey(0))
        inner = st.state
        N = env.n_agents
        pos = inner.unit_positions.at[:N].set(jnp.array([[0.0, 0.0], [8.0, 0.0], [16.0, 0.0], [0.0, 8.5],
                                                          [30.0, 30.0], [30.0, 21.5]]))
        health = inner.unit_health.at[:N].set(jnp.array([80.0, 40.0, 20.0, 80.0, 0.0, 60.0]))
        alive = inner.unit_alive.at[:N].set(jnp.array([True, True, True, True, False, True]))
        st = st.replace(state=inner.replace(unit_positions=pos, unit_health=health, unit_alive=alive))
        v = jax.tree_util.tree_map(np.asarray, env.ally_view(st))
    # 6h_vs_8z allies are hydralisks: 80 health, sight range 9
    assert np.allclose(v["health"], [1.0, 0.5, 0.25, 1.0, 0.0, 0.75])
    want = np.zeros((6, 6), bool)
    for i, j in [(0, 1), (1, 0), (1, 2), (2, 1), (0, 3), (3, 0)]:     # 8 and 8.5 < 9; 16, 11.7 and the dead ally 5 not
        want[i, j] = True
    assert (v["visible"] == want).all()


def _cg_policy():
    """A 2-agent BN policy (Coordination Game actor: Concat(Base(s), a^{P^i}) - FC) whose logits depend strongly on
    the parent's action: the output layer's weights on the parent-action slots set to N(0, 2^2)."""
    from verify.marl.bnmappo import make_train
    tr = make_train({"env": "coordination", "env_kwargs": {"n_agents": 2}, "n_envs": 2, "total_steps": 40})
    pol = tr.policy
    with jax.enable_x64(False):
        params = pol.init(jax.random.PRNGKey(3))
        g = np.random.default_rng(0)

        def boost(path, x):
            if x.ndim == 2 and x.shape == (64 + 2 * 2, 2) and "actor" in jax.tree_util.keystr(path):
                return x.at[64:].set(jnp.asarray(2.0 * g.standard_normal((4, 2)), x.dtype))
            return x
        params = jax.tree_util.tree_map_with_path(boost, params)
        _, ts = tr.env.reset(jax.random.PRNGKey(1))
    return pol, params, ts


def test_kl_is_zero_for_the_empty_dag_and_matches_exact_enumeration():
    pol, params, ts = _cg_policy()
    with jax.enable_x64(False):
        G0 = jnp.zeros((2, 2))
        c, m = A.kl_to_empty(pol, params, ts.obs, G0, ts.avail, jax.random.PRNGKey(0), 64)
        assert np.all(np.asarray(c) == 0.0) and np.all(np.asarray(m) == 0.0)
        G = jnp.array([[0.0, 1.0], [0.0, 0.0]])                            # agent 1 -> agent 2
        c, m = A.kl_to_empty(pol, params, ts.obs, G, ts.avail, jax.random.PRNGKey(0), 4000)
        c, m = np.asarray(c), np.asarray(m)
        # exact: pi(a1, a2) = pi1(a1) pi2(a2 | a1), the empty-DAG policy pi1(a1) q2(a2)
        lp = lambda Gm, a: np.asarray(jax.nn.log_softmax(pol.logits(params, ts.obs, Gm, jnp.asarray(a), ts.avail), -1))
        l1 = lp(G, [0, 0])[0]
        lq2 = lp(G0, [0, 0])[1]
        l2 = np.stack([lp(G, [a1, 0])[1] for a1 in (0, 1)])               # log p2[a1, a2]
    p1, q2, p2 = np.exp(l1), np.exp(lq2), np.exp(l2)
    kl_rows = np.array([np.sum(p2[a] * (l2[a] - lq2)) for a in (0, 1)])
    joint = float(p1 @ kl_rows)
    marg = p1 @ p2
    exact_marg = float(np.sum(marg * (np.log(marg) - lq2)))
    assert c[0] == 0.0 and m[0] == 0.0                                    # agent 1 has no parent
    assert joint > 1e-3                                                   # the instance is not trivial
    sd = np.sqrt(p1 @ (kl_rows - joint) ** 2 / 4000) + 1e-6
    assert abs(c[1] - joint) < 6 * sd + 1e-4                              # chain rule: the joint KL
    assert abs(m[1] - exact_marg) < 0.05 * max(exact_marg, 1e-3) + 6 * sd
    reverse = float(p1 @ np.array([np.sum(q2 * (lq2 - l2[a])) for a in (0, 1)]))
    assert abs(reverse - joint) > 6 * sd + 1e-4                           # a swapped KL would be caught


def test_run_analysis_fixed_dags(tmp_path):
    """Known per-agent values on fixed DAGs: Fully-correlated gives agent k exactly k - 1 parents, the empty DAG
    none and zero KL; the per-rollout analysis writes one row per (variant, seed, checkpoint, agent)."""
    spec = {"tag": "t", "config": {"env": "coordination", "env_kwargs": {"n_agents": 3}, "n_envs": 2,
                                   "total_steps": 3 * 40},
            "variants": ["full", "uncorrelated", "context"], "seeds": [0, 1], "checkpoints": 3, "stride": 5, "n_kl": 4}
    res = A.run_analysis(spec, str(tmp_path), log=lambda *a: None)
    rows = res["rows"]
    assert res["complete"] and len(rows) == 3 * 2 * 3 * 3
    assert list(rows[0].keys()) == A.COLUMNS
    for r in rows:
        if r["variant"] == "full":
            assert float(r["n_parents"]) == int(r["agent"]) - 1
        if r["variant"] == "uncorrelated":
            assert float(r["n_parents"]) == 0 and float(r["kl_cond"]) == 0 and float(r["kl_marg"]) == 0
        assert r["visible_frac"] == "nan"                                   # no allies' view on the CG
    assert {float(r["progress"]) for r in rows} == {0.0, 1 / 3, 2 / 3}
    again = A.run_analysis(spec, str(tmp_path), log=lambda *a: None)      # a finished run is read back
    assert again["rows"] == rows


def _planted_rows(n_seeds=6, n_ck=10, N=6, effect=1.0, rng=0):
    """Annealed-run rows with planted effects: agent 6 has the largest KL and agent 2 the smallest, visibility
    rises, agents 5, 6 pick low-health parents and agent 2 high-health ones, KL falls to 0 after c."""
    g = np.random.default_rng(rng)
    rows = []
    for s in range(n_seeds):
        for t in range(n_ck):
            prog = t / n_ck
            for a in range(1, N + 1):
                kl = 0.0 if prog >= 0.8 or a == 1 else (0.1 * a + effect * (a == N)) * (1 + 0.05 * g.standard_normal())
                h = {5: -0.2, 6: -0.2, 2: 0.2}.get(a, 0.0) * effect + 0.02 * g.standard_normal()
                rows.append({"env": "smax:6h_vs_8z", "variant": "context-annealed", "seed": str(s), "update": str(t + 1),
                             "env_steps": str(1e6 * (t + 1)), "progress": str(prog), "agent": str(a),
                             "visible_frac": str(0.5 + effect * 0.3 * prog + 0.01 * g.standard_normal()) if a > 1 else "nan",
                             "health_rel_all": str(h), "health_rel_cand": str(h),
                             "dist_rel_all": str(h), "dist_rel_cand": str(h),
                             "kl_cond": str(kl), "kl_marg": str(kl), "dag_density": str(0.0 if prog >= 0.8 else 0.5)})
    return {"smax6h": {"rows": rows, "config": {"env": "smax:6h_vs_8z"}}}


def test_statements_find_planted_effects_and_their_reversal():
    held = {s["slug"]: s["held"] for f in ("7", "8", "10") for s in F.statements_analysis(_planted_rows(), f)}
    assert held["smax6h-visible-fraction-increases"] is True
    assert held["smax6h-agents-5-6-low-health"] is True and held["smax6h-agent-2-high-health"] is True
    assert held["smax6h-agent-6-largest-kl"] is True and held["smax6h-agent-2-smallest-kl"] is True
    assert held["smax6h-regularization-decreases-kl"] is True and held["smax6h-decentralized-zero-kl"] is True
    rev = {s["slug"]: s["held"] for f in ("7", "8") for s in F.statements_analysis(_planted_rows(effect=-1.0), f)}
    assert rev["smax6h-visible-fraction-increases"] is False and rev["smax6h-agent-2-high-health"] is False
    # near the null (a small effect, 2 seeds): within noise, never decided
    few = {s["slug"]: s["held"] for s in F.statements_analysis(_planted_rows(n_seeds=2), "10")}
    assert few["smax6h-agent-6-largest-kl"] is None
    short = F.statements_analysis(_planted_rows(n_ck=3), "7")
    assert short[0]["held"] is None and short[0]["too_short"]


@pytest.mark.slow
def test_gpu_script_dry_run_on_cpu(tmp_path):
    """``bench_marl.py --mode gpu --budget 60 --plan tiny`` (Coordination Game stand-ins) runs every job on the CPU
    and finishes cleanly with at most 8 files."""
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, os.path.join(root, "bench", "bench_marl.py"), "--mode", "gpu", "--out", str(out),
                        "--budget", "60", "--plan", "tiny"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    files = os.listdir(out)
    assert "runs.json" in files and "throughput.json" in files and len(files) <= 8


def test_gpu_script_with_a_budget_too_small_skips_cleanly(tmp_path):
    """``bench_marl.py --mode gpu --budget 60`` (the SMAX plan): every job is left with less than its minimum,
    is skipped with a recorded reason, and the script exits 0 with runs.json and throughput.json."""
    import json
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, os.path.join(root, "bench", "bench_marl.py"), "--mode", "gpu", "--out", str(out),
                        "--budget", "60"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.load(open(out / "runs.json")) == []
    errs = json.load(open(out / "throughput.json"))["errors"]
    assert len(errs) == 3 and all("skipped" in e for e in errs)
