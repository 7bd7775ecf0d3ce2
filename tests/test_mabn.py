"""Tests of the MABN machinery (verify.mabn, verify.mabn_envs) and of the mabn claim checkers,
including a planted error for every checker."""
from __future__ import annotations

import numpy as np
import pytest

import verify.claims.mabn as C
from verify import mabn as M
from verify import mabn_envs as E
from verify.errors import InputError
from verify.registry import REGISTRY, Context

Q = Context(profile="quick", seed=0)


# --- graphs ------------------------------------------------------------------------------------

def test_eq10_equals_mabn_reachability_small_example():
    # agent 0 observes agent 1; agent 1's state drives agent 2; agent 2's reward depends on agent 0
    c = M.couplings(3, ES=[(1, 2)], EO=[(1, 0)], ER=[(0, 2)], T=3)
    G = M.build_mabn(c)
    for t in range(4):
        assert M.vd_sets_eq10(c, t) == M.vd_sets_mabn(G, 3, 3, t)
    assert M.vd_sets_eq10(c, 0)[2] == frozenset({0, 1, 2})
    assert M.vd_sets_folded(M.folded_mabn(c), 3) == M.vd_sets_mabn(M.build_mabn(c.with_horizon(2)), 3, 2, 0)


def test_gd_is_transpose_and_qhat():
    IQ = [frozenset({0, 1}), frozenset({1}), frozenset({1, 2})]
    assert M.gd_sets(IQ) == [frozenset({0}), frozenset({0, 1, 2}), frozenset({2})]
    assert set(M.gd_graph(IQ).edges) == {(i, j) for (j, i) in M.vd_graph(IQ).edges}
    assert M.qhat_sets(IQ)[1] == frozenset({0, 1, 2})


def test_kappa_sets_grow_to_full_sets():
    c = M.couplings(20, M.ring_edges(20), M.ring_edges(20), [], 0)
    GF = M.folded_mabn(c)
    sizes = [len(M.kappa_sets_folded(GF, 20, k)[0]) for k in range(6)]
    # each kappa adds one state hop and one observation hop on each side of the ring
    assert sizes == [7, 11, 15, 19, 20, 20]


def test_examples_of_section_5():
    r = C.check_examples(Q)
    assert r.verdict == "verified" and r.evidence["example3_scc_count"] == 2


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    lambda: M.couplings(0, [], [], []),
    lambda: M.couplings(2, [(0, 5)], [], []),
    lambda: M.couplings(2, [(0,)], [], []),
    lambda: M.tv_couplings(2, [[]], [[], []], [[]]),
    lambda: M.kappa_sets_folded(M.folded_mabn(M.couplings(2, [], [], [])), 2, -1),
    lambda: M.folded_mabn(M.tv_couplings(2, [[], []], [[], []], [[], []])),
    lambda: E.TabularModel({"n": 0}),
    lambda: E.TabularModel({"n": 12, "ns": 3, "na": 3}),
    lambda: E.TabularModel({"bogus": 1}),
])
def test_bad_input_raises_input_error(bad):
    with pytest.raises(InputError) as e:
        bad()
    assert "\n" not in str(e.value)


def test_cyclic_mabn_rejected():
    G = M.build_mabn(M.couplings(2, [], [], [], 1))
    G.add_edge(("s", 0, 1), ("s", 0, 0))
    with pytest.raises(InputError, match="acyclic"):
        M.vd_sets_mabn(G, 2, 1, 0)


# --- Theorem 3.2: the planted wrong edge --------------------------------------------------------

def test_theorem_32_catches_planted_wrong_edge():
    spec = {"n": 3, "T": 2, "seed": 3, "couplings": {"n": 3, "T": 2, "ES": [[1, 0]], "EO": [], "ER": []}}
    assert C.theorem_32_instance(spec)["violations"] == []

    def sets_with_wrong_graph(c, t):  # the dependency computation is handed E_S = {(2, 0)} instead of {(1, 0)}
        wrong = M.couplings(c.n, [(2, 0)], c.EO[0], c.ER[0], c.T)
        return M.vd_sets_eq10(wrong, t)
    r = C.check_theorem_32(Context(instance=spec), sets_with_wrong_graph)
    assert r.verdict == "refuted" and r.counterexample["violation"]["j"] == 1
    assert "--instance" in r.reproduce


def test_theorem_32_quick_verdict_and_reproduction():
    r = C.check_theorem_32(Q)
    assert r.verdict == "verified" and r.max_error < C.DEP_TOL
    r2 = C.check_theorem_32_proof(Q)
    assert r2.verdict == "refuted"
    again = C.check_theorem_32_proof(Context(instance=r2.counterexample["spec"]))
    assert again.verdict == "refuted"


def test_theorem_32_examines_nontrivial_outside_pairs():
    r = C.check_theorem_32(Q)
    assert r.verdict == "verified"
    # agents outside I_Q^i(t) at t < T in time-varying games, where Q_i^t is not just r_i
    assert r.evidence["outside_pairs_nontrivial"] >= C.MIN_NONTRIVIAL_OUTSIDE >= 8
    assert r.evidence["inside_pairs_with_dependence"] == r.evidence["inside_pairs"]
    assert r.readings and r.readings[0]["holds"]


def test_theorem_32_catches_spurious_mabn_edge(monkeypatch):
    orig = M.build_mabn

    def with_spurious_edge(c, convention="arrival"):  # a reward edge a_{N-1}(t) -> Z_0(t) that the model lacks
        G = orig(c, convention)
        for t in range(c.T + 1):
            G.add_edge(("a", c.n - 1, t), ("Z", 0, t))
        return G
    monkeypatch.setattr(M, "build_mabn", with_spurious_edge)
    r = C.check_theorem_32(Q)
    assert r.verdict == "refuted"
    assert r.counterexample["sets"] == "MABN reachability" and "unneeded_member" in r.counterexample


def test_theorem_32_catches_eq10_enlarged_to_reward_and_state_neighbours(monkeypatch):
    orig = M.u_sets_eq10

    def enlarged(c, i, convention="arrival"):  # {I_O^j(tau)} over j in I_R^i(tau) u I_S^i(tau) instead of I_R^i(tau)
        U = orig(c, i, convention)
        return [u | frozenset().union(*(c.I_O(j, tau) for j in c.I_R(i, tau) | c.I_S(i, tau))) for tau, u in enumerate(U)]
    monkeypatch.setattr(M, "u_sets_eq10", enlarged)
    r = C.check_theorem_32(Q)
    assert r.verdict == "refuted"
    assert r.counterexample["sets"] == "eq. (10)" and "unneeded_member" in r.counterexample


def test_theorem_32_proof_leads_with_the_explicit_line():
    r = C.check_theorem_32_proof(Q)
    assert r.verdict == "refuted" and r.found_by == "search"
    assert "U_i^{T-1} line" in r.counterexample["line"]
    names = {rd["reading"]: rd for rd in r.readings}
    assert all(rd["verdict"] == "refuted" for rd in r.readings)
    fixed = names["Appendix C's convention, U_i^{T+1} read as U_i^{tau+1}"]
    assert fixed["holds"] and fixed["evidence"]["general line"]["instances_too_small"] == 0
    assert fixed["evidence"]["line T-1"]["instances_too_small"] > 0
    again = C.check_theorem_32_proof(Context(instance=r.counterexample["spec"]))
    assert again.verdict == "refuted" and again.found_by == "given"


def test_appendix_c_readings_of_u_sets():
    # agent 1's state at time 1 is driven by agent 0 (E_S(1)), at time 2 by agent 2 (E_S(2)); agent 1's reward
    c = M.tv_couplings(3, [[], [(0, 1)], [(2, 1)]], [[], [], []], [[], [], []])
    U10 = M.u_sets_eq10(c, 1)
    assert U10 == M.u_sets_appendix_c(c, 1, "general, typo fixed")
    assert U10[1] == frozenset({1, 2})                                     # parents of s_1(2) are in E_S(2)
    assert M.u_sets_appendix_c(c, 1, "line T-1")[1] == frozenset({0, 1})   # the printed I_S^j(T-1) takes E_S(1)
    assert M.u_sets_appendix_c(c, 1, "general, literal")[1] == frozenset({1})
    with pytest.raises(InputError):
        M.u_sets_appendix_c(c, 1, "bogus")


# --- planted errors for the set-based checkers ---------------------------------------------------

def test_property_33_catches_missing_observation_edges():
    def reach_without_obs(c, t):
        G = M.build_mabn(c)
        G.remove_edges_from([(u, v) for u, v in G.edges if v[0] == "a"])
        return M.vd_sets_mabn(G, c.n, c.T, t)
    assert C.check_property_33(Q, reach_without_obs).verdict == "refuted"


def test_definition_43_catches_off_by_one():
    def wrong(c, k):
        return M.kappa_sets_folded(M.folded_mabn(c), c.n, k + 1)
    assert C.check_definition_43(Q, wrong).verdict == "refuted"


def test_kappa_hop_checker_catches_wrong_radius():
    assert C.check_kappa_hop(Q, shift=1).verdict == "verified"
    assert C.check_kappa_hop(Q, shift=2).verdict == "refuted"


def test_remark_31_corrected_catches_reversed_sets(monkeypatch):
    orig = M.u_sets_eq10
    monkeypatch.setattr(M, "u_sets_eq10", lambda c, i, conv="arrival": orig(c, i, conv)[::-1])
    assert C.check_remark_31_corrected(Q).verdict == "refuted"


def test_remark_34_corrected_catches_state_for_action(monkeypatch):
    monkeypatch.setattr(M, "action_reach_sets", M.state_reach_sets)
    assert C.check_remark_34_corrected(Q).verdict == "refuted"


def test_minimality_corrected_catches_wrong_set(monkeypatch):
    monkeypatch.setattr(M, "action_reach_sets", M.state_reach_sets)
    assert C.check_minimality_corrected(Q).verdict != "verified"


def test_examples_checker_catches_truncated_sets(monkeypatch):
    monkeypatch.setattr(M, "vd_sets_folded", lambda GF, n: M.kappa_sets_folded(GF, n, 0))
    assert C.check_examples(Q).verdict == "refuted"


def test_remark_checkers_refute_printed_forms():
    assert C.check_remark_31(Q).verdict == "refuted"
    r = C.check_remark_34(Q)
    assert r.verdict == "refuted" and r.evidence["s_reach_contains_a_reach"]


# --- gradient checkers --------------------------------------------------------------------------

def _drop_one(IQ):
    gd = M.gd_sets(IQ)
    return [s - {max(s)} if len(s) > 1 else s for s in gd]


def test_theorem_36_catches_missing_gd_member():
    spec = {"n": 3, "T": 0, "seed": 0, "gamma": 0.9, "couplings": {"n": 3, "T": 0, "ES": [[0, 1], [1, 2]], "EO": [], "ER": []}}
    assert C.check_theorem_36(Context(instance=spec)).verdict == "verified"
    assert C.check_theorem_36(Context(instance=spec), gd_fn=_drop_one).verdict == "refuted"


def test_theorem_37b_factor_and_planted_error():
    spec = {"n": 3, "T": 0, "seed": 1, "gamma": 0.8, "couplings": {"n": 3, "T": 0, "ES": [[0, 1], [1, 2]], "EO": [], "ER": []}}
    r = C.check_theorem_37b(Context(instance=spec))
    # d^pi normalised (Appendix E): off by 1/(1-gamma); unnormalised: exact. The readings disagree.
    assert r.verdict == "ambiguous" and r.kind == "wrong-constant" and r.found_by == "given"
    assert [rd["verdict"] for rd in r.readings] == ["refuted", "verified"] and r.readings[0]["holds"]
    assert np.allclose(r.counterexample["exact/formula"], 1 / (1 - 0.8))
    # a wrong Qhat breaks both readings: the verdict is then a plain refutation
    assert C.check_theorem_37b(Context(instance=spec), gd_fn=_drop_one).verdict == "refuted"
    assert C.check_theorem_37b(Context(instance=spec), corrected=True).verdict == "verified"
    assert C.check_theorem_37b(Context(instance=spec), corrected=True, gd_fn=_drop_one).verdict == "refuted"


def test_theorem_37a_factor_and_planted_error():
    spec = {"kind": "lq", "n": 4, "seed": 2, "gamma": 0.9}
    r = C.check_theorem_37a(Context(instance=spec))
    assert r.verdict == "ambiguous" and abs(r.counterexample["exact/formula"] - 10) < 1e-8
    assert [rd["verdict"] for rd in r.readings] == ["refuted", "verified"]
    assert C.check_theorem_37a(Context(instance=spec), corrected=True).verdict == "verified"
    assert C.check_theorem_37a(Context(instance=spec), corrected=True, gd_fn=_drop_one).verdict == "refuted"


def test_theorem_42_counterexample_and_identity():
    spec = C._42_specs(1, 0)  # rewards 1 and -1: Q = 0, so tVar[g_C] = sigma_Q^2 E||g||^2
    r = C.theorem_42_instance(spec)
    b = r["bounds"]["V minus I_GD^i (eq. 21)"]
    assert r["diff"] < b["lower"]
    assert abs(r["diff"] - r["identity73"]) < 1e-9
    assert C.check_theorem_42_corrected(Context(instance=C._42_specs(2, 0))).verdict == "verified"
    # planted: a wrong Qhat (a dropped I_GD member) breaks identity (73)
    spec_dep = {"n": 3, "T": 0, "seed": 4, "gamma": 0.9, "agent": 0,
                "couplings": {"n": 3, "T": 0, "ES": [[0, 1], [0, 2]], "EO": [], "ER": []}}
    assert C.check_theorem_42_corrected(Context(instance=spec_dep), gd_fn=_drop_one).verdict == "refuted"


# --- environments -------------------------------------------------------------------------------

def test_warehouse_conserves_mass_without_supply():
    import jax
    import jax.numpy as jnp
    c = E.example1_couplings()
    p = E.warehouse_params(c, A=np.zeros(9))
    m = jnp.abs(jax.random.normal(jax.random.PRNGKey(0), (5, 9)))
    b = E.warehouse_policy_fractions(jax.random.normal(jax.random.PRNGKey(1), (5, 9, 10)), p["out_adj"])
    m1, z, r = E.warehouse_step(p, m, 0.0, b, jax.random.PRNGKey(2))
    assert m1.shape == (5, 9) and np.allclose(m1.sum(1), m.sum(1))
    assert np.all(np.asarray(b).sum(-1) <= 1 + 1e-12)
    assert np.allclose(E.warehouse_reward(p, jnp.array([[-1.0] * 9])).min(), -2.0)


def test_temperature_step_and_table2():
    import jax
    import jax.numpy as jnp
    c = E.example3_couplings(40)
    p = E.temperature_params(c)
    x = jnp.full((3, 40), 30.0)
    x1, r = E.temperature_step(p, x, jnp.zeros((3, 40)), jax.random.PRNGKey(0))
    assert x1.shape == (3, 40) and np.allclose(r, -64.0)
    A, B, c0, W = E.temperature_matrices(c)
    assert np.max(np.abs(np.linalg.eigvals(A))) < 1
    assert np.isclose(B[0, 0], 60 / 200) and np.isclose(W[0, 0], 60 * 6.25 / 200 ** 2)


def test_all_mabn_claims_registered_with_expected_verdicts():
    ids = [k for k in REGISTRY if k.startswith("mabn:")]
    assert {"mabn:theorem-3.2", "mabn:property-3.3", "mabn:theorem-3.6", "mabn:theorem-3.7a", "mabn:theorem-3.7b",
            "mabn:theorem-4.2", "mabn:definition-4.3", "mabn:remark-3.1", "mabn:remark-3.4"} <= set(ids)
    for k in ids:
        c = REGISTRY[k]
        if c.expected == "refuted":
            assert c.corrected in REGISTRY and c.discrepancy
        if not c.as_printed:
            assert c.what_changed


def test_mabn_size_checker():
    r = C.check_mabn_size(Q)
    assert r.verdict == "ambiguous"
    graph, tables = r.readings
    assert graph["verdict"] == "refuted" and graph["holds"] and tables["verdict"] == "verified"
    assert C.check_mabn_size_corrected(Q).verdict == "verified"
    # planted: a node count exponential in N, or tables that do not grow, flip the readings
    assert C.check_mabn_size(Q, graph_size=lambda c: (3 * 2 ** c.n * (c.T + 1), 9 * 2 ** c.n * (c.T + 1))).readings[0]["verdict"] == "verified"
    assert C.check_mabn_size(Q, table_size=lambda c: c.n * (c.T + 1)).readings[1]["verdict"] == "refuted"


def test_mabn_table_size_small_case():
    # N = 1, T = 0, no edges: s(0) has 2 entries, pi(a | s) 2 * 2, p(Z | s, a) 2 * 4
    assert M.mabn_table_size(M.couplings(1, [], [], [], 0)) == 2 + 4 + 8
    # one more step adds the transition table 2 * 4 and another policy and reward table
    assert M.mabn_table_size(M.couplings(1, [], [], [], 1)) == 2 + 2 * (4 + 8) + 8
    assert M.mabn_graph_size(M.couplings(3, [], [], [], 2)) == (27, 3 * (1 + 2) * 3 + 2 * 3 * 2)


def test_definition_43_states_only_the_definition_and_reports_the_contradiction():
    c = REGISTRY["mabn:definition-4.3"]
    assert "t + kappa <= T" not in c.statement and "predecessors of Z_i(tau)" not in c.statement
    assert "predecessors of Z_i(tau)" in REGISTRY["mabn:section-4.1-kappa-hop"].statement
    r = C.check_definition_43(Q)
    assert r.verdict == "verified" and r.evidence["sec4.1_wording_differs"]["differ"] > 0
    assert r.evidence["strictly_sparser_sets"] > 0          # the instances are not all trivial (sets = I_Q^i)
    assert "contradicts itself" in r.notes


def test_kappa_hop_readings_disagree_and_search_finds_it_without_witnesses():
    for ctx in (Q, Context(profile="quick", seed=0, witnesses=False)):
        r = C.check_kappa_hop(ctx)
        assert r.verdict == "ambiguous" and r.kind == "inconsistent-definition"
        by_name = {rd["source"].split(",")[0]: rd for rd in r.readings}
        assert by_name["Definition 4.3"]["verdict"] == "refuted" and by_name["Definition 4.3"]["holds"]
        assert by_name["Sec. 4.1"]["verdict"] == "verified"
    assert r.found_by == "search"


def test_kappa_window_is_the_kappa_hop_set_on_a_path():
    c = M.couplings(4, [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)], [], [], 0)
    assert M.kappa_sets_window(c, 1)[0] == frozenset({0, 1})
    GF = M.folded_mabn(c)
    assert M.kappa_sets_folded(GF, 4, 1)[0] == frozenset({0, 1, 2})
    assert M.kappa_sets_folded(GF, 4, 1, count_forward=True)[0] == frozenset({0, 1, 2})
    # the forward self-edge is bidirectional, the action edge into the next state is not
    assert M._is_bidirectional(GF, ("s", 0, 0), ("s", 0, 1)) and not M._is_bidirectional(GF, ("a", 0, 0), ("s", 0, 1))


def test_refutations_carry_kind_and_found_by_without_witnesses():
    ctx = Context(profile="quick", seed=0, witnesses=False)
    for cid in ("mabn:section-3.2-minimality", "mabn:theorem-4.2", "mabn:remark-3.1", "mabn:remark-3.4"):
        r = REGISTRY[cid].check(ctx)
        assert r.verdict == "refuted" and r.found_by == "search", cid
        assert (r.kind or REGISTRY[cid].kind) and r.readings, cid


def test_minimality_fails_only_near_the_horizon():
    r = C.check_minimality(Q)
    assert r.verdict == "refuted" and r.kind == "missing-hypothesis"
    far = r.evidence["time_invariant_far_from_horizon"]
    assert far["pairs_with_T_minus_t_at_least_N"] > 0 and far["differ"] == 0


def test_minimality_checker_passes_on_the_exact_sets(monkeypatch):
    # planted: hand the checker the action-reachability sets, which are exactly minimal; it must not refute
    def exact_sets(c, t, convention="arrival"):
        return M.action_reach_sets(M.build_mabn(c), c.n, c.T, t)
    monkeypatch.setattr(M, "vd_sets_eq10", exact_sets)
    r = C.check_minimality(Q)
    assert r.verdict == "verified" and r.readings[0]["verdict"] == "verified"


def test_remark_31_checker_verifies_when_the_inclusion_holds(monkeypatch):
    orig = M.u_sets_eq10
    monkeypatch.setattr(M, "u_sets_eq10", lambda c, i, conv="arrival": orig(c, i, conv)[::-1])
    r = C.check_remark_31(Q)
    assert r.verdict == "verified" and all(rd["verdict"] == "verified" for rd in r.readings)
