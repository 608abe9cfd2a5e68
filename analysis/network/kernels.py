"""Sparse kernels behind the structural-hole measures: two-step sums and maxima on W's ties only.

Burt's measures need, for every tied pair i–j, sums over the common neighbours q of products
X_iq·Y_qj (constraint, effective size) and, for ego-model effective size, a maximum over them.
The full product X·Y is dense on projections with hubs (a hub is two steps from almost
everyone), so the intermediate nodes q are split (network-metrics.md §9.1):

- ordinary q: every two-step i–q–j that closes a triangle (i and j tied) is listed ONCE, as
  three tie positions; each later sum is then one gather-multiply-bincount over that list,
  and the maximum one `np.maximum.at`. Listing costs Σ deg(q)²/2 lookups over ordinary q; the
  list holds only the closed two-steps (24 bytes each; about 5 million, 120 MB, on the 100k-project
  benchmark), a small fraction of all two-steps.
- hubs (more than √nnz ties): their columns are taken densely and combined tie by tie,
  n_ties x n_hubs work per sum, with no listing at all.

Every function returns one value per stored entry of W, in W's CSR order (`Pattern`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

EDGE_BLOCK_CELLS = 4_000_000
TWO_STEP_BLOCK = 4_000_000


@dataclass(frozen=True)
class Pattern:
    """A symmetric weight matrix W (zero diagonal) as arrays of its directed ties i→j."""

    n: int
    indptr: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_matrix(cls, weights: sp.sparray | sp.spmatrix) -> "Pattern":
        matrix = sp.csr_array(weights, dtype=np.float64)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        matrix.sort_indices()
        n = matrix.shape[0]
        if matrix.shape != (n, n):
            raise ValueError(f"weight matrix must be square, got shape {matrix.shape}")
        if matrix.nnz and matrix.data.min() < 0:
            raise ValueError("weight matrix has negative tie values")
        if matrix.diagonal().any():
            raise ValueError("weight matrix has a non-zero diagonal (self-loops); zero it first")
        if matrix.nnz and (abs(matrix - matrix.T) > 1e-12 * float(matrix.data.max())).nnz:
            raise ValueError("weight matrix is not symmetric")
        indptr = matrix.indptr.astype(np.int64)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        return cls(n=n, indptr=indptr, rows=rows, cols=matrix.indices.astype(np.int64),
                   weights=matrix.data.astype(np.float64))

    @property
    def nnz(self) -> int:
        return int(self.cols.size)

    @property
    def n_alters(self) -> np.ndarray:
        return np.diff(self.indptr)

    @cached_property
    def keys(self) -> np.ndarray:
        """i·n + j per tie, ascending (CSR order with sorted indices)."""
        return self.rows * self.n + self.cols

    @cached_property
    def reverse(self) -> np.ndarray:
        """Position of tie j→i for every tie i→j (W is symmetric)."""
        out = np.empty(self.nnz, dtype=np.int64)
        out[np.lexsort((self.rows, self.cols))] = np.arange(self.nnz)
        return out

    def matrix(self, values: np.ndarray) -> sp.csr_array:
        """A csr matrix with W's pattern and the given per-tie values."""
        return sp.csr_array((values, self.cols, self.indptr), shape=(self.n, self.n))

    def row_sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.rows, weights=values, minlength=self.n).astype(np.float64, copy=False)

    def row_max(self, values: np.ndarray) -> np.ndarray:
        """Per node, the largest value on its ties (0 for isolates)."""
        out = np.zeros(self.n)
        np.maximum.at(out, self.rows, values)
        return out

    def tie_index(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Position of tie i→j in CSR order, or -1 where i and j are not tied."""
        if self.nnz == 0:
            return np.full(np.shape(i), -1, dtype=np.int64)
        query = i * self.n + j
        pos = np.minimum(np.searchsorted(self.keys, query), self.nnz - 1)
        return np.where(self.keys[pos] == query, pos, -1)


def hub_threshold(pattern: Pattern) -> int:
    """Nodes with more ties than √nnz (at least 16) go through the dense path (§9.1).

    Measured on the 100k-project benchmark (682k ties): √(nnz/4) and 2·√nnz cost the same
    as √nnz, √(nnz/16) three times more (the dense part grows with every extra hub).
    """
    return max(16, int(pattern.nnz ** 0.5))


def _blocks(costs: np.ndarray, budget: float) -> list[tuple[int, int]]:
    """Consecutive index ranges whose summed cost stays near `budget` (at least one index each)."""
    if costs.size == 0:
        return []
    block_id = ((np.cumsum(costs) - costs) // budget).astype(np.int64)
    starts = np.flatnonzero(np.diff(block_id, prepend=-1))
    stops = np.append(starts[1:], costs.size)
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


@dataclass(frozen=True)
class TwoSteps:
    """The triangles i–q–j (i, j tied) through ordinary q, and the hubs handled densely.

    `first[t]` is the position of tie i→q, `second[t]` of tie q→j, `target[t]` of tie i→j.
    """

    pattern: Pattern
    hubs: np.ndarray
    first: np.ndarray
    second: np.ndarray
    target: np.ndarray

    @classmethod
    def build(cls, pattern: Pattern, threshold: int | None = None) -> "TwoSteps":
        """List the triangles through every node with at most `threshold` ties (default `hub_threshold`)."""
        limit = hub_threshold(pattern) if threshold is None else threshold
        degree = pattern.n_alters
        hubs = np.flatnonzero(degree > limit)
        pivots = np.flatnonzero((degree <= limit) & (degree > 1))
        found = [cls._triangles(pattern, pivots[a:b])
                 for a, b in _blocks(degree[pivots].astype(np.float64) ** 2, TWO_STEP_BLOCK)]
        first, second, target = (np.concatenate([part[k] for part in found]) if found else np.zeros(0, np.int64)
                                 for k in range(3))
        return cls(pattern=pattern, hubs=hubs, first=first, second=second, target=target)

    @staticmethod
    def _triangles(pattern: Pattern, pivots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each pivot q, every pair of its neighbours i < j that is itself tied, both ways round."""
        degree = pattern.n_alters[pivots]
        counts = degree * degree
        owner = np.repeat(np.arange(pivots.size), counts)
        offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        start = pattern.indptr[pivots][owner]
        q_to_i = start + offset // degree[owner]
        q_to_j = start + offset % degree[owner]
        ordered = q_to_i < q_to_j                       # sorted rows: i < j; the mirror comes for free
        q_to_i, q_to_j = q_to_i[ordered], q_to_j[ordered]
        i_to_j = pattern.tie_index(pattern.cols[q_to_i], pattern.cols[q_to_j])
        closed = i_to_j >= 0
        q_to_i, q_to_j, i_to_j = q_to_i[closed], q_to_j[closed], i_to_j[closed]
        first = np.concatenate([pattern.reverse[q_to_i], pattern.reverse[q_to_j]])
        second = np.concatenate([q_to_j, q_to_i])
        target = np.concatenate([i_to_j, pattern.reverse[i_to_j]])
        return first, second, target

    def _hub_columns(self, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dense n x hubs blocks: left[i→q] by row i, right[q→j] by row j, for hub q."""
        left_hubs = self.pattern.matrix(left)[:, self.hubs].toarray()
        right_hubs = self.pattern.matrix(right)[self.hubs, :].T.toarray()
        return left_hubs, right_hubs

    def _edge_blocks(self):
        step = max(1, EDGE_BLOCK_CELLS // max(1, self.hubs.size))
        for lo in range(0, self.pattern.nnz, step):
            yield lo, min(lo + step, self.pattern.nnz)

    def product(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Σ_q left[i→q]·right[q→j] for every tie i→j (both arrays are values on W's ties)."""
        pattern = self.pattern
        values = np.bincount(self.target, weights=left[self.first] * right[self.second], minlength=pattern.nnz)
        values = values.astype(np.float64, copy=False)
        if self.hubs.size:
            left_hubs, right_hubs = self._hub_columns(left, right)
            for lo, hi in self._edge_blocks():
                values[lo:hi] += np.einsum("ij,ij->i", left_hubs[pattern.rows[lo:hi]],
                                           right_hubs[pattern.cols[lo:hi]])
        return values

    def strongest(self, right: np.ndarray) -> np.ndarray:
        """max_q right[q→j] over the common neighbours q of i and j, per tie i→j (0 if none)."""
        pattern = self.pattern
        best = np.zeros(pattern.nnz)
        np.maximum.at(best, self.target, right[self.second])
        if self.hubs.size:
            member, right_hubs = self._hub_columns(np.ones(pattern.nnz), right)
            for lo, hi in self._edge_blocks():
                reach = (member[pattern.rows[lo:hi]] * right_hubs[pattern.cols[lo:hi]]).max(axis=1)
                np.maximum(best[lo:hi], reach, out=best[lo:hi])
        return best
