r"""Multi-agent Bayesian networks (MABN) of Syed & Bai (paper key ``mabn``).

What is here, with the paper's numbering:

* :class:`Couplings` -- the state, observation and reward graphs G_S, G_O, G_R (Sec. 2), either
  time-invariant or time-varying (Sec. 3.2).  Index sets always contain the agent itself:
  I_S^i = {j | (j, i) in E_S} u {i}, and the same for I_O^i, I_R^i (Sec. 2).
* :func:`build_mabn` -- the MABN of Sec. 3.1 over a finite horizon T: nodes s_i(t), a_i(t), Z_i(t);
  edges (s_j(t), s_i(t+1)), (a_j(t), s_i(t+1)) for j in I_S^i; (s_j(t), a_i(t)) for j in I_O^i;
  (s_j(t), Z_i(t)), (a_j(t), Z_i(t)) for j in I_R^i.
* :func:`vd_sets_mabn` -- value dependency sets I_Q^i(t) by reachability in the MABN (Property 3.3).
* :func:`u_sets_eq10` / :func:`vd_sets_eq10` -- the recursion (10) for U_i^tau and I_Q^i(tau).
* :func:`u_sets_appendix_c` -- the recursion as printed in the proof of Theorem 3.2 (Appendix C).
* :func:`folded_mabn` / :func:`vd_sets_folded` -- the folded MABN G_F of Sec. 3.2 (two time layers,
  the edge s_i(t) -> s_i(t+1) made bidirectional) and the time-invariant I_Q^i read off it.
* :func:`kappa_sets_folded` / :func:`kappa_sets_unrolled` -- Definition 4.3, the
  kappa-approximated value dependency graph.
* :func:`vd_graph`, :func:`gd_sets`, :func:`qhat_sets` -- G_VD, G_GD = G_VD transposed, I_GD^i and
  I_Qhat^i = U_{j in I_GD^i} I_Q^j (Sec. 3.3, eq. 11).
* :func:`action_reach_sets` -- the agents j whose *action* a_j(t) reaches some Z_i(tau'), tau' >= t;
  this is the exact set Q_i(s(t), a(t)) depends on (used by the refinements of Remark 3.4 and of
  the minimality statement of Sec. 3.2).

Time indexing of time-varying state couplings.  The paper states in Appendix C: "The state
transition of agent i at time tau depends only on {s_j(tau-1), a_j(tau-1)}_{j in I_S^i(tau)}", i.e.
I_S^i(tau) lists the parents of s_i(tau).  That is ``convention="arrival"`` (the default): the
edges into s_i(t+1) use E_S(t+1).  The Sec. 3.1 construction ("for each i, at every t, construct
(s_j(t), s_i(t+1)) for j in I_S^i") read with time-varying sets suggests E_S(t) instead; that is
``convention="departure"``.  For time-invariant couplings the two coincide.

Everything is plain Python/networkx; agents are 0-based integers 0..N-1 (the paper counts from 1).
"""
from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from typing import Iterable, Sequence

import networkx as nx

from .errors import InputError

Edge = tuple[int, int]


def _edge_set(edges, n: int, what: str) -> frozenset[Edge]:
    out = set()
    for e in edges:
        try:
            j, i = (int(e[0]), int(e[1]))
        except (TypeError, ValueError, IndexError):
            raise InputError(f"{what}: an edge must be a pair of agent indices, got {e!r}") from None
        if len(e) != 2:
            raise InputError(f"{what}: an edge must be a pair of agent indices, got {e!r}")
        if not (0 <= j < n and 0 <= i < n):
            raise InputError(f"{what}: edge {(j, i)} names an agent outside 0..{n - 1}")
        out.add((j, i))
    return frozenset(out)


@dataclasses.dataclass(frozen=True)
class Couplings:
    """Inter-agent couplings over a horizon: ``ES[t]``, ``EO[t]``, ``ER[t]`` for t = 0..T.

    ``ES[t]`` (t >= 1) lists the edges into s(t) under the default ``arrival`` convention (see the
    module docstring); ``ES[0]`` is then unused.  Build with :func:`couplings` (time-invariant) or
    :func:`tv_couplings` (time-varying).
    """
    n: int
    T: int
    ES: tuple[frozenset, ...]
    EO: tuple[frozenset, ...]
    ER: tuple[frozenset, ...]
    time_invariant: bool = False

    def I_S(self, i: int, t: int) -> frozenset[int]:
        return frozenset({j for (j, k) in self.ES[t] if k == i} | {i})

    def I_O(self, i: int, t: int) -> frozenset[int]:
        return frozenset({j for (j, k) in self.EO[t] if k == i} | {i})

    def I_R(self, i: int, t: int) -> frozenset[int]:
        return frozenset({j for (j, k) in self.ER[t] if k == i} | {i})

    def with_horizon(self, T: int) -> "Couplings":
        if not self.time_invariant:
            raise InputError("only time-invariant couplings can change their horizon")
        return couplings(self.n, self.ES[0], self.EO[0], self.ER[0], T)

    def to_spec(self) -> dict:
        if self.time_invariant:
            return {"n": self.n, "T": self.T, "ES": sorted(map(list, self.ES[0])),
                    "EO": sorted(map(list, self.EO[0])), "ER": sorted(map(list, self.ER[0]))}
        return {"n": self.n, "T": self.T, "time_varying": True,
                "ES": [sorted(map(list, e)) for e in self.ES],
                "EO": [sorted(map(list, e)) for e in self.EO],
                "ER": [sorted(map(list, e)) for e in self.ER]}


def _check_n_T(n, T):
    if not isinstance(n, int) or n < 1:
        raise InputError(f"number of agents must be a positive integer, got {n!r}")
    if not isinstance(T, int) or T < 0:
        raise InputError(f"horizon T must be a non-negative integer, got {T!r}")


def couplings(n: int, ES: Iterable, EO: Iterable, ER: Iterable, T: int = 0) -> Couplings:
    """Time-invariant couplings (edge (j, i): agent j affects / is observed by / rewards agent i)."""
    _check_n_T(n, T)
    es, eo, er = (_edge_set(ES, n, "E_S"), _edge_set(EO, n, "E_O"), _edge_set(ER, n, "E_R"))
    return Couplings(n, T, (es,) * (T + 1), (eo,) * (T + 1), (er,) * (T + 1), True)


def tv_couplings(n: int, ES: Sequence, EO: Sequence, ER: Sequence) -> Couplings:
    """Time-varying couplings: three lists of edge lists, one entry per t = 0..T."""
    if not (len(ES) == len(EO) == len(ER)) or len(ES) == 0:
        raise InputError(f"E_S, E_O, E_R need one edge list per time step 0..T; got lengths "
                         f"{len(ES)}, {len(EO)}, {len(ER)}")
    T = len(ES) - 1
    _check_n_T(n, T)
    return Couplings(n, T, tuple(_edge_set(e, n, f"E_S({t})") for t, e in enumerate(ES)),
                     tuple(_edge_set(e, n, f"E_O({t})") for t, e in enumerate(EO)),
                     tuple(_edge_set(e, n, f"E_R({t})") for t, e in enumerate(ER)), False)


def couplings_from_spec(spec: dict) -> Couplings:
    """Inverse of :meth:`Couplings.to_spec`."""
    try:
        n, T = spec["n"], spec["T"]
        ES, EO, ER = spec["ES"], spec["EO"], spec["ER"]
    except (KeyError, TypeError):
        raise InputError("a couplings spec needs keys n, T, ES, EO, ER") from None
    if spec.get("time_varying", False):
        return tv_couplings(n, ES, EO, ER)
    return couplings(n, ES, EO, ER, T)


def _state_parents(c: Couplings, i: int, t_next: int, convention: str) -> frozenset[int]:
    """Agents j with edges s_j(t_next-1), a_j(t_next-1) -> s_i(t_next)."""
    if convention == "arrival":
        return c.I_S(i, t_next)
    if convention == "departure":
        return c.I_S(i, t_next - 1)
    raise InputError(f"convention must be 'arrival' or 'departure', got {convention!r}")


# --- the MABN (Sec. 3.1) ------------------------------------------------------------------------

def build_mabn(c: Couplings, convention: str = "arrival") -> nx.DiGraph:
    """The MABN G_B of Sec. 3.1 for t = 0..T: nodes ('s'|'a'|'Z', i, t)."""
    G = nx.DiGraph()
    for t in range(c.T + 1):
        for i in range(c.n):
            G.add_node(("s", i, t)); G.add_node(("a", i, t)); G.add_node(("Z", i, t))
    for t in range(c.T + 1):
        for i in range(c.n):
            for j in c.I_O(i, t):
                G.add_edge(("s", j, t), ("a", i, t))
            for j in c.I_R(i, t):
                G.add_edge(("s", j, t), ("Z", i, t)); G.add_edge(("a", j, t), ("Z", i, t))
            if t < c.T:
                for j in _state_parents(c, i, t + 1, convention):
                    G.add_edge(("s", j, t), ("s", i, t + 1)); G.add_edge(("a", j, t), ("s", i, t + 1))
    return G


def check_acyclic(G: nx.DiGraph, what: str = "MABN") -> None:
    if not nx.is_directed_acyclic_graph(G):
        cyc = nx.find_cycle(G)
        raise InputError(f"{what} must be acyclic; found cycle through {cyc[0][0]!r}")


def _ancestors_of(G: nx.DiGraph, targets: Iterable) -> set:
    seen, dq = set(), deque(targets)
    while dq:
        v = dq.popleft()
        for u in G.predecessors(v):
            if u not in seen:
                seen.add(u); dq.append(u)
    return seen


def vd_sets_mabn(G: nx.DiGraph, n: int, T: int, t: int) -> list[frozenset[int]]:
    """Property 3.3: j in I_Q^i(t) iff s_j(tau) or a_j(tau) reaches Z_i(tau') for t <= tau <= tau' <= T."""
    check_acyclic(G)
    if not 0 <= t <= T:
        raise InputError(f"time t={t} outside 0..{T}")
    out = []
    for i in range(n):
        anc = _ancestors_of(G, [("Z", i, tp) for tp in range(t, T + 1)])
        out.append(frozenset(j for (kind, j, tau) in anc if kind in "sa" and tau >= t))
    return out


def action_reach_sets(G: nx.DiGraph, n: int, T: int, t: int) -> list[frozenset[int]]:
    """{j : a_j(t) reaches some Z_i(tau'), t <= tau' <= T}: what Q_i(s(t), a(t)) truly depends on."""
    out = []
    for i in range(n):
        anc = _ancestors_of(G, [("Z", i, tp) for tp in range(t, T + 1)])
        out.append(frozenset(j for (kind, j, tau) in anc if kind == "a" and tau == t))
    return out


def state_reach_sets(G: nx.DiGraph, n: int, T: int, t: int) -> list[frozenset[int]]:
    """{j : s_j(t) reaches some Z_i(tau'), t <= tau' <= T}."""
    out = []
    for i in range(n):
        anc = _ancestors_of(G, [("Z", i, tp) for tp in range(t, T + 1)])
        out.append(frozenset(j for (kind, j, tau) in anc if kind == "s" and tau == t))
    return out


# --- the recursion (10) and its Appendix C twin ------------------------------------------------

def u_sets_eq10(c: Couplings, i: int, convention: str = "arrival") -> list[frozenset[int]]:
    r"""Equation (10): U_i^T = {I_O^j(T)}_{j in I_R^i(T)};
    U_i^tau = {I_O^j(tau)}_{j in I_R^i(tau)} u {{I_O^k(tau)}_{k in I_S^j(tau+1)}}_{j in U_i^{tau+1}}.

    Under ``convention="departure"`` the printed I_S^j(tau+1) is read against edges built from
    E_S(tau) -- i.e. the formula is applied verbatim to couplings indexed the other way.
    Returns [U_i^0, ..., U_i^T].
    """
    T = c.T
    U = [frozenset()] * (T + 1)
    U[T] = frozenset().union(*(c.I_O(j, T) for j in c.I_R(i, T)))
    for tau in range(T - 1, -1, -1):
        part = set().union(*(c.I_O(j, tau) for j in c.I_R(i, tau)))
        for j in U[tau + 1]:
            for k in c.I_S(j, tau + 1):  # printed index tau+1, whatever the convention
                part |= c.I_O(k, tau)
        U[tau] = frozenset(part)
    return U


APPENDIX_C_READINGS = ("line T-1", "general, typo fixed", "general, literal")


def u_sets_appendix_c(c: Couplings, i: int, reading: str = "line T-1") -> list[frozenset[int]]:
    r"""The sets U_i^tau of the proof of Theorem 3.2 (Appendix C), which prints three forms:

    * the explicit line for T - 1:
      U_i^{T-1} = {j u I_O^j(T-1)}_{j in I_R^i(T-1)} u {{k u I_O^k(T-1)}_{k in I_S^j(T-1)}}_{j in U_i^T}
      (``reading="line T-1"``; the same pattern, I_S^j(tau) against U_i^{tau+1}, is used at every tau,
      but only tau = T - 1 is what the line prints);
    * the general line, "at any time tau, t <= tau < T":
      U_i^tau = {j u I_O^j(tau)}_{j in I_R^i(tau)} u {{k u I_O^k(tau)}_{k in I_S^j(tau+1)}}_{j in U_i^{T+1}};
      ``"general, literal"`` takes U_i^{T+1} as printed (a set beyond the horizon T, hence empty);
      ``"general, typo fixed"`` reads U_i^{T+1} as U_i^{tau+1}, which is eq. (10) (the index sets
      contain the agent itself, so "j u I_O^j" = "I_O^j");
    * U_i^T = {j u I_O^j(T)}_{j in I_R^i(T)} in all three.

    Returns [U_i^0, ..., U_i^T].
    """
    if reading not in APPENDIX_C_READINGS:
        raise InputError(f"reading must be one of {', '.join(APPENDIX_C_READINGS)}, got {reading!r}")
    T = c.T
    U = [frozenset()] * (T + 1)
    U[T] = frozenset().union(*({j} | c.I_O(j, T) for j in c.I_R(i, T)))
    for tau in range(T - 1, -1, -1):
        part = set().union(*({j} | c.I_O(j, tau) for j in c.I_R(i, tau)))
        nxt = frozenset() if reading == "general, literal" else U[tau + 1]
        s_time = tau if reading == "line T-1" else tau + 1
        for j in nxt:
            for k in c.I_S(j, s_time):
                part |= {k} | c.I_O(k, tau)
        U[tau] = frozenset(part)
    return U


def vd_sets_from_u(U_all: Sequence[Sequence[frozenset]], t: int) -> list[frozenset[int]]:
    """I_Q^i(t) = U_i^t u ... u U_i^T (eq. 10)."""
    return [frozenset().union(*U[t:]) for U in U_all]


def vd_sets_eq10(c: Couplings, t: int, convention: str = "arrival") -> list[frozenset[int]]:
    return vd_sets_from_u([u_sets_eq10(c, i, convention) for i in range(c.n)], t)


# --- the folded MABN G_F (Sec. 3.2) and Definition 4.3 ----------------------------------------

def folded_mabn(c: Couplings) -> nx.DiGraph:
    """G_F: the MABN over two layers (0 = 't', 1 = 't+') with every s_i(t) -> s_i(t+) edge made
    bidirectional (back edges carry ``back=True``).  Only for time-invariant couplings."""
    if not c.time_invariant:
        raise InputError("the folded MABN is defined for time-invariant couplings only")
    G = build_mabn(c.with_horizon(1))
    nx.set_edge_attributes(G, False, "back")
    for i in range(c.n):
        G.add_edge(("s", i, 1), ("s", i, 0), back=True)
    return G


def vd_sets_folded(GF: nx.DiGraph, n: int) -> list[frozenset[int]]:
    """Time-invariant I_Q^i: j such that s_j(t) or a_j(t) reaches Z_i(t) or Z_i(t+) in G_F."""
    out = []
    for i in range(n):
        anc = _ancestors_of(GF, [("Z", i, 0), ("Z", i, 1)])
        out.append(frozenset(j for (kind, j, tau) in anc if kind in "sa" and tau == 0))
    return out


def _is_bidirectional(GF: nx.DiGraph, u, v) -> bool:
    """The edge u -> v is one direction of a bidirectional pair s_i(t) <-> s_i(t+1) of G_F."""
    return GF.edges[u, v].get("back", False) or (u[0] == v[0] == "s" and u[1] == v[1] and (u[2], v[2]) == (0, 1))


def _min_back_traversals(GF: nx.DiGraph, target, count_forward: bool = False) -> dict:
    """0-1 BFS on reversed G_F: fewest back-edge traversals on a path node -> target (with
    ``count_forward``, traversals of the bidirectional edges in either direction)."""
    dist = {target: 0}
    dq = deque([target])
    while dq:
        v = dq.popleft()
        for u in GF.predecessors(v):
            cost = _is_bidirectional(GF, u, v) if count_forward else GF.edges[u, v].get("back", False)
            w = dist[v] + (1 if cost else 0)
            if w < dist.get(u, 1 << 30):
                dist[u] = w
                (dq.append if w > dist[v] else dq.appendleft)(u)
    return dist


def kappa_sets_folded(GF: nx.DiGraph, n: int, kappa: int, count_forward: bool = False) -> list[frozenset[int]]:
    """Definition 4.3: (j, i) in E_VD^kappa iff s_j(t) or a_j(t) reaches Z_i(t+1) within kappa
    traversals of the bidirectional edge in G_F.  By default a traversal is one of the back edge
    s_i(t+1) -> s_i(t) (each one "implies evolution of a timestep", Sec. 3.2); ``count_forward``
    also counts the forward direction s_i(t) -> s_i(t+1)."""
    if not isinstance(kappa, int) or kappa < 0:
        raise InputError(f"kappa must be a non-negative integer, got {kappa!r}")
    out = []
    for i in range(n):
        d = _min_back_traversals(GF, ("Z", i, 1), count_forward)
        out.append(frozenset(j for j in range(n)
                             if min(d.get(("s", j, 0), 1 << 30), d.get(("a", j, 0), 1 << 30)) <= kappa))
    return out


def kappa_sets_unrolled(c: Couplings, kappa: int) -> list[frozenset[int]]:
    """The same set from the unrolled MABN: j such that s_j(0) or a_j(0) reaches Z_i(tau'),
    tau' <= kappa + 1 (each traversal of the folded back edge is one more time step)."""
    cc = c.with_horizon(kappa + 1)
    return vd_sets_mabn(build_mabn(cc), c.n, kappa + 1, 0)


def kappa_sets_window(c: Couplings, kappa: int) -> list[frozenset[int]]:
    """The Sec. 4.1 wording of the kappa-approximation: "considering only the predecessors of
    Z_i(tau) within t <= tau <= t + kappa": j such that s_j(0) or a_j(0) reaches Z_i(tau'),
    tau' <= kappa, in the MABN unrolled to horizon kappa (one time step fewer than Definition 4.3)."""
    if not isinstance(kappa, int) or kappa < 0:
        raise InputError(f"kappa must be a non-negative integer, got {kappa!r}")
    cc = c.with_horizon(kappa)
    return vd_sets_mabn(build_mabn(cc), c.n, kappa, 0)


# --- the size of the MABN (Sec. 3.2) ------------------------------------------------------------

def mabn_graph_size(c: Couplings) -> tuple[int, int]:
    """Nodes and edges of the MABN of Sec. 3.1: 3N(T+1) nodes."""
    G = build_mabn(c)
    return G.number_of_nodes(), G.number_of_edges()


def mabn_table_size(c: Couplings, ns: int = 2, na: int = 2) -> int:
    """Entries of the conditional probability tables of the MABN read as a Bayesian network over
    finite variables (|S_i| = ns, |A_i| = na, Z_i binary): p(s_i(t+1) | s, a of I_S^i(t+1)) has
    ns (ns na)^{|I_S^i|} entries, pi_i(a_i(t) | s_{I_O^i(t)}) na ns^{|I_O^i|}, p(Z_i(t) | s, a of
    I_R^i(t)) (8) 2 (ns na)^{|I_R^i|}, and the initial p(s_i(0)) ns."""
    total = c.n * ns
    for t in range(c.T + 1):
        for i in range(c.n):
            total += na * ns ** len(c.I_O(i, t)) + 2 * (ns * na) ** len(c.I_R(i, t))
            if t < c.T:
                total += ns * (ns * na) ** len(c.I_S(i, t + 1))
    return total


# --- G_VD, G_GD, I_Qhat (Sec. 3.3) -------------------------------------------------------------

def vd_graph(IQ: Sequence[frozenset[int]]) -> nx.DiGraph:
    """G_VD: edge (j, i) for every j in I_Q^i, j != i."""
    G = nx.DiGraph()
    G.add_nodes_from(range(len(IQ)))
    G.add_edges_from((j, i) for i, s in enumerate(IQ) for j in s if j != i)
    return G


def gd_graph(IQ: Sequence[frozenset[int]]) -> nx.DiGraph:
    """G_GD = {V, E_VD^T}."""
    return vd_graph(IQ).reverse(copy=True)


def gd_sets(IQ: Sequence[frozenset[int]]) -> list[frozenset[int]]:
    """I_GD^i = {j | (j, i) in E_VD^T} u {i} = {j | i in I_Q^j} u {i}."""
    n = len(IQ)
    return [frozenset({j for j in range(n) if i in IQ[j]} | {i}) for i in range(n)]


def qhat_sets(IQ: Sequence[frozenset[int]]) -> list[frozenset[int]]:
    """I_Qhat^i = U_{j in I_GD^i} I_Q^j (eq. 11)."""
    return [frozenset().union(*(IQ[j] for j in G)) for G in gd_sets(IQ)]


# --- random couplings -------------------------------------------------------------------------

def random_edges(rng, n: int, p: float) -> list[Edge]:
    return [(j, i) for j in range(n) for i in range(n) if j != i and rng.random() < p]


def random_couplings(rng, n: int, T: int, p: float = 0.3, time_varying: bool = False) -> Couplings:
    if time_varying:
        return tv_couplings(n, *[[random_edges(rng, n, p) for _ in range(T + 1)] for _ in range(3)])
    return couplings(n, random_edges(rng, n, p), random_edges(rng, n, p), random_edges(rng, n, p), T)


def ring_edges(n: int) -> list[Edge]:
    """{(i, j) : |i - j| = 1} u {(1, N), (N, 1)} (Example 2), 0-based."""
    e = {(i, i + 1) for i in range(n - 1)} | {(i + 1, i) for i in range(n - 1)}
    return sorted(e | {(0, n - 1), (n - 1, 0)})


def saturation_horizon(n: int) -> int:
    """T - t >= n - 1 makes the finite-horizon sets equal the time-invariant (folded) ones: the
    chain U^T subset U^{T-1} subset ... of subsets of an n-set stabilises within n - 1 steps."""
    return max(n - 1, 1)
