"""Every oracle catches planted errors in a formula: a dropped constant factor, a flipped sign, a wrong
exponent, a swapped conditional.  A check that cannot fail is a defect."""
import numpy as np
import pytest
import sympy as sp

from verify import evaluation as E
from verify import gradients as G
from verify import oracles as O
from verify import symbolic as Y
from verify.checking import grad_floor, rel_err
from verify.instances import build

SPEC = {"action_sizes": [2, 3, 2], "n_agents": 3, "n_states": 3, "gamma": 0.9, "transition": "dense",
        "reward": "team", "seed": 11, "dag": [[], [0], [0, 1]], "theta_scale": 1.0, "theta_seed": 3}


def _swapped_conditional(game, pol):
    """Q(s, a^M) with the *marginal* of a^{-M} in place of its conditional given a^M."""
    Q, pi = E.q_values(game, pol), pol.joint()
    out = []
    d = E.visitation_unnormalized(game, pol)
    for i, ps in enumerate(pol.dag.parents):
        def q_marg(M):
            M = sorted(M)
            other = tuple(1 + j for j in range(game.n_agents) if j not in M)
            marg_other = pi.sum(axis=tuple(1 + j for j in M), keepdims=True)
            return (marg_other * Q).sum(axis=other)
        plus = sorted(list(ps) + [i])
        qp = np.moveaxis(q_marg(plus), 1 + plus.index(i), -1)
        A = qp - q_marg(list(ps))[..., None]
        dp = E.visitation_parents(game, pol, i)
        out.append(dp[..., None] * pol.local(i) * A)
    return out


PLANTED = {
    "dropped factor": lambda g, p: [x * (1 - g.gamma) for x in G.bn_pg_corrected(g, p)],
    "flipped sign": lambda g, p: [-x for x in G.bn_pg_corrected(g, p)],
    "wrong exponent": lambda g, p: [x * p.local(i) for i, x in enumerate(G.bn_pg_corrected(g, p))],
    "swapped conditional": _swapped_conditional,
}


@pytest.fixture(scope="module")
def inst():
    game, pol = build(SPEC)
    fd, _ = O.fd_value_gradient(game, pol)
    ad = O.jax_value_gradient(game, pol)
    return game, pol, fd, ad


def test_oracles_agree_with_each_other_and_with_the_corrected_formula(inst):
    game, pol, fd, ad = inst
    fl = grad_floor(game)
    assert rel_err(fd, ad, fl) < 1e-7
    assert rel_err(G.bn_pg_corrected(game, pol), ad, fl) < 1e-9


@pytest.mark.parametrize("kind", list(PLANTED))
@pytest.mark.parametrize("oracle", ["finite differences", "autodiff"])
def test_numeric_oracles_catch_planted_errors(inst, kind, oracle):
    game, pol, fd, ad = inst
    ref = fd if oracle == "finite differences" else ad
    assert rel_err(PLANTED[kind](game, pol), ref, grad_floor(game)) > 1e-3


def test_sympy_oracle_catches_planted_errors():
    g = sp.Symbol("gamma", positive=True)
    assert Y.bn_gradient_single_state("corrected")["holds"]
    assert not Y.bn_gradient_single_state(factor=(1 - g))["holds"]        # dropped factor
    assert not Y.bn_gradient_single_state(factor=sp.Integer(-1))["holds"]  # flipped sign
    assert not Y.product_gradient_single_state(factor=1 / (1 - g))["holds"]
    assert not Y.barrier_gradient(factor=sp.Symbol("lambda", positive=True))["holds"]  # dropped 1/(|S||A^P|)
    # wrong exponent and flipped sign in mbpg Theorem 1
    wrong_exp = lambda mu, mui, th: (sp.log(mu) + 1) * (1 - mu) ** 2 * sp.diff(sp.log(1 - mui), th)
    flipped = lambda mu, mui, th: -(sp.log(mu) + 1) * (1 - mu) * sp.diff(sp.log(1 - mui), th)
    swapped = lambda mu, mui, th: (sp.log(mu) + 1) * (1 - mui) * sp.diff(sp.log(1 - mu), th)
    for f in (wrong_exp, flipped, swapped):
        assert not Y.coverage_gradient(3, formula=f)["holds"]
    assert Y.coverage_gradient(3)["holds"]


@pytest.mark.parametrize("kind", ["dropped factor", "flipped sign", "wrong exponent"])
def test_coverage_oracles_catch_planted_errors(kind):
    th = np.random.default_rng(0).standard_normal((3, 4))
    g = G.mbpg_theorem_1(th, "sigmoid")
    bad = {"dropped factor": 0.5 * g, "flipped sign": -g, "wrong exponent": g * g}[kind]
    fd, _ = O.fd_coverage_gradient(th, "sigmoid")
    ad = O.jax_coverage_gradient(th, "sigmoid")
    assert rel_err(g, fd) < 1e-7 and rel_err(g, ad) < 1e-9
    assert rel_err(bad, fd) > 1e-3 and rel_err(bad, ad) > 1e-3


def test_claim_checker_refutes_a_planted_formula():
    """The whole verdict pipeline (instances, both oracles, shrinking) refutes a planted error."""
    from verify.checking import run_instances
    from verify.claims.gradients import _sample_bn, bn_error
    from verify.registry import Context
    ctx = Context(profile="quick")
    ctx_small = type("C", (), {"instance": None, "seed": 0, "n": lambda self, q, *a: 20, "profile": "quick"})()
    r = run_instances(ctx_small, "planted", 20, _sample_bn, bn_error(PLANTED["flipped sign"]), None)
    assert r.verdict == "refuted" and r.reproduce and r.counterexample
    r = run_instances(ctx_small, "planted", 20, _sample_bn, bn_error(G.bn_pg_corrected), None)
    assert r.verdict == "verified"
    assert ctx.profile == "quick"
