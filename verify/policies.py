r"""Tabular softmax product and Bayesian-network (BN) joint policies (bnac Sec. 4-5, Eq. (1)).

A BN policy is (pi^1, ..., pi^N, G) with G a DAG over the agents and

    pi(a | s) = prod_i pi^i(a^i | s, a^{P^i}),     pi^i(a^i | s, a^{P^i}) ∝ exp(theta^i_{s, a^{P^i}, a^i})   (1)

Edge convention: an edge (j, i) means j is a parent of i, P^i = {j : (j, i) in E} (bnrate Sec. 3).
bnac Sec. 4 prints P^i := {j : (i, j) in E}, the opposite orientation, while its baselines of Sec. 7.2
({(j, i) | i > j}) read naturally with the bnrate orientation; the harness uses bnrate's.

theta^i has shape (S, A^{p_1}, ..., A^{p_k}, A^i) with the parents p_1 < ... < p_k in increasing
agent order.  A product policy is the BN policy on the empty DAG.
"""
from __future__ import annotations

import dataclasses
import string
from typing import Iterable, Sequence

import networkx as nx
import numpy as np

from .errors import InputError


@dataclasses.dataclass(frozen=True)
class DAG:
    """A DAG over agents 0..N-1, stored as sorted parent tuples."""
    parents: tuple[tuple[int, ...], ...]

    def __post_init__(self):
        n = len(self.parents)
        for i, ps in enumerate(self.parents):
            for j in ps:
                if not (0 <= j < n) or j == i:
                    raise InputError(f"agent {i} has an invalid parent {j} (agents are 0..{n - 1})")
        if not nx.is_directed_acyclic_graph(self.graph()):
            cyc = nx.find_cycle(self.graph())
            raise InputError("the graph has a cycle: " + " -> ".join(str(u) for u, _ in cyc) + f" -> {cyc[0][0]}")

    @classmethod
    def from_parents(cls, parents: Sequence[Iterable[int]]) -> "DAG":
        return cls(tuple(tuple(sorted(set(int(j) for j in ps))) for ps in parents))

    @classmethod
    def from_adjacency(cls, adj) -> "DAG":
        """adj[j, i] != 0 means the edge j -> i (j is a parent of i)."""
        A = np.asarray(adj)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise InputError(f"an adjacency matrix must be square, got shape {A.shape}")
        return cls.from_parents([np.nonzero(A[:, i])[0].tolist() for i in range(A.shape[0])])

    @classmethod
    def empty(cls, n: int) -> "DAG":
        return cls(tuple(() for _ in range(n)))

    @classmethod
    def line(cls, n: int) -> "DAG":
        """Line-correlated: i-1 -> i."""
        return cls(tuple(() if i == 0 else (i - 1,) for i in range(n)))

    @classmethod
    def full(cls, n: int) -> "DAG":
        """Fully-correlated (bnac Def. 5.7, Sec. 7.2): every j < i is a parent of i, N(N-1)/2 edges."""
        return cls(tuple(tuple(range(i)) for i in range(n)))

    @classmethod
    def random(cls, n: int, rng: np.random.Generator, p_edge: float = 0.5) -> "DAG":
        """A random DAG: a random topological order, each forward edge kept with probability p_edge."""
        order = rng.permutation(n)
        parents = [[] for _ in range(n)]
        for a in range(n):
            for b in range(a + 1, n):
                if rng.random() < p_edge:
                    parents[order[b]].append(int(order[a]))
        return cls.from_parents(parents)

    @property
    def n(self) -> int:
        return len(self.parents)

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(j, i) for i, ps in enumerate(self.parents) for j in ps]

    def graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(range(len(self.parents)))
        g.add_edges_from(self.edges)
        return g

    def adjacency(self) -> np.ndarray:
        A = np.zeros((self.n, self.n), dtype=int)
        for j, i in self.edges:
            A[j, i] = 1
        return A

    def topological_order(self) -> list[int]:
        return list(nx.lexicographical_topological_sort(self.graph()))

    def descendants(self, i: int) -> set[int]:
        return set(nx.descendants(self.graph(), i))

    def is_fully_correlated(self) -> bool:
        return len(self.edges) == self.n * (self.n - 1) // 2


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


_LET = string.ascii_lowercase[:20]  # einsum letters for agents; 's' is kept for the state
_LET = _LET.replace("s", "")


class BNPolicy:
    """A tabular softmax BN policy; ``thetas[i]`` has shape (S, A^{P^i}..., A^i)."""

    def __init__(self, dag: DAG, action_sizes: Sequence[int], n_states: int, thetas=None):
        self.dag = dag
        self.action_sizes = tuple(int(k) for k in action_sizes)
        self.n_states = int(n_states)
        if dag.n != len(self.action_sizes):
            raise InputError(f"the DAG has {dag.n} agents but the game has {len(self.action_sizes)}")
        if len(self.action_sizes) > len(_LET):
            raise InputError(f"at most {len(_LET)} agents are supported by the dense engine")
        if thetas is None:
            thetas = [np.zeros(s) for s in self.theta_shapes]
        self.thetas = [np.asarray(t, dtype=float) for t in thetas]
        for i, (t, shp) in enumerate(zip(self.thetas, self.theta_shapes)):
            if t.shape != shp:
                raise InputError(f"theta^{i} must have shape {shp}, got {t.shape}")
            if not np.all(np.isfinite(t)):
                raise InputError(f"theta^{i} contains NaN or infinity")

    # --- parameters ---------------------------------------------------------------------------
    @property
    def n_agents(self) -> int:
        return len(self.action_sizes)

    @property
    def theta_shapes(self) -> list[tuple[int, ...]]:
        return [(self.n_states,) + tuple(self.action_sizes[j] for j in ps) + (self.action_sizes[i],)
                for i, ps in enumerate(self.dag.parents)]

    @property
    def n_params(self) -> int:
        return int(sum(np.prod(s) for s in self.theta_shapes))

    def flat(self) -> np.ndarray:
        return np.concatenate([t.ravel() for t in self.thetas])

    def with_flat(self, x: np.ndarray) -> "BNPolicy":
        return BNPolicy(self.dag, self.action_sizes, self.n_states, unflatten(x, self.theta_shapes))

    def with_thetas(self, thetas) -> "BNPolicy":
        return BNPolicy(self.dag, self.action_sizes, self.n_states, thetas)

    @classmethod
    def random(cls, dag, action_sizes, n_states, rng, scale=1.0) -> "BNPolicy":
        p = cls(dag, action_sizes, n_states)
        return p.with_thetas([scale * rng.standard_normal(s) for s in p.theta_shapes])

    @classmethod
    def product(cls, action_sizes, n_states, thetas=None) -> "BNPolicy":
        return cls(DAG.empty(len(action_sizes)), action_sizes, n_states, thetas)

    # --- distributions ------------------------------------------------------------------------
    def local(self, i: int) -> np.ndarray:
        """pi^i(a^i | s, a^{P^i}), shape (S, A^{P^i}..., A^i)."""
        return _softmax(self.thetas[i], axis=-1)

    def joint(self) -> np.ndarray:
        """pi(a | s) = prod_i pi^i(a^i | s, a^{P^i}), shape (S, A^1, ..., A^N)."""
        ops = []
        for i, ps in enumerate(self.dag.parents):
            ops += [self.local(i), ["s"] + [_LET[j] for j in ps] + [_LET[i]]]
        out = ["s"] + [_LET[i] for i in range(self.n_agents)]
        return np.einsum(*_einsum_args(ops, out))

    def joint_flat(self) -> np.ndarray:
        return self.joint().reshape(self.n_states, -1)

    def marginal(self, M: Iterable[int]) -> np.ndarray:
        """Pr(a^M | s) under pi, shape (S, A^{m_1}, ...) with M sorted."""
        M = sorted(set(M))
        other = tuple(1 + j for j in range(self.n_agents) if j not in M)
        return self.joint().sum(axis=other)

    def conditional(self, M: Iterable[int]) -> np.ndarray:
        r"""pi^M(a^M | s, a^{-M}) := pi(a^M, a^{-M}|s) / sum_{abar^M} pi(abar^M, a^{-M}|s)  (bnac Sec. 5),
        returned on the full joint grid (S, A^1, ..., A^N)."""
        M = sorted(set(M))
        pi = self.joint()
        axes = tuple(1 + j for j in M)
        return pi / pi.sum(axis=axes, keepdims=True)

    def sample(self, s: int, rng: np.random.Generator) -> tuple[int, ...]:
        """Ancestral sampling in a topological order of the DAG."""
        a = [None] * self.n_agents
        for i in self.dag.topological_order():
            idx = (s,) + tuple(a[j] for j in self.dag.parents[i])
            p = self.local(i)[idx]
            a[i] = int(rng.choice(len(p), p=p))
        return tuple(a)


def _einsum_args(ops, out):
    # numpy's einsum in sublist form needs integer labels
    table = {c: k for k, c in enumerate(["s"] + list(_LET))}
    args = []
    for k in range(0, len(ops), 2):
        args += [ops[k], [table[c] for c in ops[k + 1]]]
    return args + [[table[c] for c in out]]


def unflatten(x: np.ndarray, shapes) -> list[np.ndarray]:
    x = np.asarray(x, dtype=float)
    total = int(sum(np.prod(s) for s in shapes))
    if x.shape != (total,):
        raise InputError(f"flat parameter vector must have length {total}, got shape {x.shape}")
    out, k = [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(x[k:k + n].reshape(s))
        k += n
    return out


def joint_from_policy_table(pi_joint: np.ndarray, dag: DAG) -> BNPolicy:
    """Parameters of a BN policy on ``dag`` that reproduce a joint policy pi(a|s) exactly, when the
    DAG's factorization can represent it (always for a fully-correlated DAG, bnac Remark (ii)):
    theta^i = log of the chain-rule conditional pi(a^i | s, a^{P^i}) computed from pi."""
    pi = np.asarray(pi_joint, float)
    S, A = pi.shape[0], pi.shape[1:]
    thetas = []
    n = len(A)
    for i, ps in enumerate(dag.parents):
        keep = sorted(set(ps) | {i})
        drop = tuple(1 + j for j in range(n) if j not in keep)
        m = pi.sum(axis=drop)  # Pr(a^{P^i}, a^i | s), axes in increasing agent order
        pos_i = keep.index(i)
        m = np.moveaxis(m, 1 + pos_i, -1)
        cond = m / np.maximum(m.sum(axis=-1, keepdims=True), 1e-300)
        thetas.append(np.log(np.maximum(cond, 1e-300)))
    return BNPolicy(dag, A, S, thetas)
