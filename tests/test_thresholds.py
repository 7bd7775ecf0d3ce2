"""The finite-difference vs autodiff thresholds of ``verify.checking`` are set from measurement: the
real oracles pass them, and each damaged oracle is caught (verdict ``inconclusive``, reason
``oracle-disagreement``).  A wrong encoding that sympy contradicts reads as ``encoding-disagreement``,
never as a finding about a paper.

``python tests/test_thresholds.py [N] [SEED]`` prints the measured disagreement distributions that
``verify/checking.py`` records (N instances per claim group, default 200, seed 0)."""
from __future__ import annotations

import contextlib
import pathlib
import sys

if __name__ == "__main__":  # run as a script: measure this checkout's oracles, not an installed copy
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from verify import checking as C  # noqa: E402
from verify import gradients as G  # noqa: E402
from verify import oracles as O  # noqa: E402
from verify.claims import gradients as CG  # noqa: E402
from verify.registry import Context, get  # noqa: E402

_fd, _ad, _cov = O.fd_gradient, O.jax_value_gradient, O.jax_coverage_gradient


# ---- damaged oracles ------------------------------------------------------------------------------
def _sweep(ests, n):
    ests = np.array(ests)
    diffs = np.abs(np.diff(ests, axis=0))
    k = np.argmin(diffs, axis=0)
    return ests[k + 1, np.arange(n)], diffs[k, np.arange(n)]


def fd_no_richardson(f, x, steps=O.STEPS):
    """Central differences D(h/2) with the same sweep, without the Richardson step (error O(h^2))."""
    x = np.asarray(x, float)
    n, E = x.size, np.eye(x.size)
    ests = []
    for h in steps:
        v = f(np.concatenate([x + h / 2 * E, x - h / 2 * E])).reshape(2, n)
        ests.append((v[0] - v[1]) / h)
    return _sweep(ests, n)


def fd_one_sided(f, x, steps=O.STEPS):
    """Forward differences (f(x + h e_k) - f(x)) / h with the same sweep (error O(h))."""
    x = np.asarray(x, float)
    n, E = x.size, np.eye(x.size)
    ests = []
    for h in steps:
        v = f(np.concatenate([x + h * E, x[None]]))
        ests.append((v[:n] - v[n]) / h)
    return _sweep(ests, n)


def fd_fixed_step_x10(f, x, steps=O.STEPS):
    """The real Richardson estimate at one step 10x the sweep's largest (h = 0.2), no sweep."""
    return _fd(f, x, (10 * steps[0], 10 * steps[0]))


def fd_sweep_x10(f, x, steps=O.STEPS):
    """The whole step sweep 10x larger: *not* damage (the sweep keeps the steps that agree best)."""
    return _fd(f, x, tuple(10 * h for h in steps))


def _plant(g, size=1e-6):
    g = [np.array(x, float, copy=True) for x in g]
    scale = max((float(np.abs(x).max()) for x in g if x.size), default=0.0)
    for x in g:
        if x.size:
            x.flat[0] += size * scale
            break
    return g


def ad_planted(*a, **k):
    """JAX autodiff with an error of 1e-6 (relative to the gradient's scale) planted in one entry."""
    return _plant(_ad(*a, **k))


def cov_planted(th, param):
    return _plant([_cov(th, param)])[0]


DAMAGES = {
    "real": {},
    "no-richardson": {"fd_gradient": fd_no_richardson},
    "one-sided": {"fd_gradient": fd_one_sided},
    "fixed-step-x10": {"fd_gradient": fd_fixed_step_x10},
    "sweep-x10": {"fd_gradient": fd_sweep_x10},
    "autodiff+1e-6": {"jax_value_gradient": ad_planted, "jax_coverage_gradient": cov_planted},
}
CAUGHT = ("no-richardson", "one-sided", "fixed-step-x10", "autodiff+1e-6")


@contextlib.contextmanager
def damaged(name):
    """Swap the named functions of ``verify.oracles`` for damaged ones (and drop cached oracle values)."""
    saved = {k: getattr(O, k) for k in DAMAGES[name]}
    for k, v in DAMAGES[name].items():
        setattr(O, k, v)
    CG._oracles.cache_clear()
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(O, k, v)
        CG._oracles.cache_clear()


#: claim group -> (sampler, error function of a formula that holds)
GROUPS = {
    "bn": (CG._sample_bn, lambda: CG.bn_error(G.bn_pg_corrected)),
    "barrier": (CG._sample_barrier, lambda: CG.barrier_error(G.bnrate_lemma_1_corrected)),
    "mpg": (CG._sample_mpg, lambda: CG.mpg_error(G.mpg_lemma_3_1)),
    "coverage": (CG._sample_cov, lambda: CG.coverage_error(G.mbpg_theorem_1)),
}


def disagreements(group: str, damage: str, n: int = 200, seed: int = 0) -> np.ndarray:
    """Per-instance rel_err(fd, autodiff) on the first n instances of the group's claims (seeded)."""
    sample, err = GROUPS[group]
    rng = np.random.default_rng(seed)
    specs = [sample(rng) for _ in range(n)]
    with damaged(damage):
        e = err()
        return np.array([e(s)[1].get("oracle_disagreement", 0.0) for s in specs])


def _run(group: str, damage: str, n: int = 24, seed: int = 0):
    sample, err = GROUPS[group]
    with damaged(damage):
        return C.run_instances(Context(seed=seed), f"threshold-{group}", n, sample, err(), None)


# ---- the thresholds sit between the real and the damaged oracles ----------------------------------
def test_threshold_constants_are_ordered():
    assert 0 < C.FD_AD_TYPICAL_TOL < C.FD_AD_TOL < C.TOL
    assert C.FD_AD_MIN_INSTANCES >= 10 and 0.5 <= C.FD_AD_QUANTILE < 1


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_real_oracle_passes(group):
    r = _run(group, "real")
    assert r.verdict == "verified", r.notes
    # well above float error: the real p90 is at least a factor 5 below the threshold
    assert r.evidence["fd_vs_autodiff_p90_rel"] * 5 < C.FD_AD_TYPICAL_TOL
    assert r.evidence["fd_vs_autodiff_max_rel"] * 5 < C.FD_AD_TOL


@pytest.mark.parametrize("damage", CAUGHT)
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_damaged_oracle_is_caught(group, damage):
    r = _run(group, damage)
    assert r.verdict == "inconclusive" and r.reason == "oracle-disagreement", (r.verdict, r.notes)


def test_without_richardson_passes_the_old_max_threshold_but_not_the_typical_one():
    """The issue's observation: without Richardson the *maximum* over the bnac instances stays below
    1e-7 (the former threshold, still the per-instance cap); the 90th percentile catches it."""
    r = _run("barrier", "no-richardson", n=40)
    assert r.evidence["fd_vs_autodiff_max_rel"] < C.FD_AD_TOL
    assert r.evidence["fd_vs_autodiff_p90_rel"] > 4 * C.FD_AD_TYPICAL_TOL
    assert r.reason == "oracle-disagreement"


def test_step_sweep_10x_larger_is_not_damage():
    """The sweep keeps the steps that agree best: 10x larger steps are as accurate, and pass."""
    assert _run("bn", "sweep-x10").verdict == "verified"


def test_single_instance_uses_the_cap_only():
    """A reproduction command checks one instance: no distribution, the per-instance cap alone."""
    sample, err = GROUPS["bn"]
    spec = sample(np.random.default_rng(0))
    for damage, verdict in (("no-richardson", "verified"), ("one-sided", "inconclusive")):
        with damaged(damage):
            r = C.run_instances(Context(instance=spec), "threshold-bn", 24, sample, err(), None)
        assert r.verdict == verdict and "fd_vs_autodiff_p90_rel" not in r.evidence


def test_nan_disagreement_is_oracle_disagreement():
    r = C.run_instances(Context(), "nan", 3, lambda rng: {"k": 0},
                        lambda s: (0.0, {"oracle_disagreement": float("nan")}), None)
    assert r.verdict == "inconclusive" and r.reason == "oracle-disagreement"


@pytest.mark.slow
@pytest.mark.parametrize("damage", CAUGHT)
@pytest.mark.parametrize("cid", ["bnac:lemma-5.1/corrected", "bnrate:lemma-1/corrected", "mpg:lemma-3.1",
                                 "mpg:lemma-c.2/corrected", "mbpg:theorem-1"])
def test_damaged_oracle_caught_by_the_registered_claim(cid, damage):
    with damaged(damage):
        r = get(cid).run(Context())
    assert r.verdict == "inconclusive" and r.reason == "oracle-disagreement", (r.verdict, r.notes)


# ---- a wrong encoding is never a paper finding -----------------------------------------------------
SPEC = {"n_agents": 3, "action_sizes": [2, 3, 2], "n_states": 3, "gamma": 0.9, "transition": "dense",
        "reward": "team", "reward_scale": 1.0, "reward_offset": 0.0, "seed": 11, "dag": [[], [0], [0, 1]],
        "theta_scale": 1.0, "theta_seed": 3}


def test_planted_encoding_bug_reads_as_encoding_disagreement(monkeypatch):
    """The corrected BN gradient encoded with a bug (a stray factor 1.01): both numeric oracles reject
    it, sympy (its own encoding) says the formula holds, so the verdict is an encoding disagreement."""
    right = G.bn_pg_corrected
    buggy = lambda game, pol, reward=None: [1.01 * x for x in right(game, pol, reward)]
    spec = SPEC
    assert get("bnac:lemma-5.1/corrected").run(Context(instance=spec)).verdict == "verified"
    monkeypatch.setattr(G, "bn_pg_corrected", buggy)
    r = get("bnac:lemma-5.1/corrected").run(Context(instance=spec))
    assert r.verdict == "inconclusive" and r.reason == "encoding-disagreement", (r.verdict, r.notes)
    assert r.evidence["sympy"]["holds"] is True
    # the same bug without a symbolic check would have read as a refutation: the sympy cross-check matters
    r2 = C.run_instances(Context(instance=spec), "x", 1, CG._sample_bn, CG.bn_error(buggy), None)
    assert r2.verdict == "refuted"


def test_symbolic_failure_with_numeric_agreement_is_encoding_disagreement():
    r = C.run_instances(Context(instance=SPEC), "x", 1, CG._sample_bn, CG.bn_error(G.bn_pg_corrected), None,
                        symbolic={"holds": False})
    assert r.verdict == "inconclusive" and r.reason == "encoding-disagreement"


# ---- the measurement behind the constants -----------------------------------------------------------
def main(argv):
    n = int(argv[0]) if argv else 200
    seed = int(argv[1]) if len(argv) > 1 else 0
    print(f"rel_err(fd, autodiff) per instance, {n} instances per group, seed {seed}")
    for g in GROUPS:
        for d in DAMAGES:
            x = disagreements(g, d, n, seed)
            q = np.quantile(x, [0.5, 0.9, 1.0])
            w = [np.quantile(x[i:i + C.FD_AD_MIN_INSTANCES], C.FD_AD_QUANTILE)
                 for i in range(0, max(len(x) - C.FD_AD_MIN_INSTANCES + 1, 1))]
            print(f"{g:9s} {d:15s} median {q[0]:.2e}  p90 {q[1]:.2e}  max {q[2]:.2e}  "
                  f"p90 of {C.FD_AD_MIN_INSTANCES} consecutive: {min(w):.2e}..{max(w):.2e}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
