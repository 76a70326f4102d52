"""Sparse Jacobians and Hessians: a known pattern of non-zeros saves evaluations.

A Jacobian's columns that share no row form a group (Curtis, Powell and Reid's
greedy grouping, in the kernels): one evaluation of f with all of a group's
coordinates moved gives each of their columns.  A tridiagonal Jacobian needs 3
groups whatever its size, so 2 * 3 + 1 evaluations (central) instead of 2 n + 1.
A Hessian with a pattern evaluates only its structurally non-zero entries, each
with the dense formula, so every computed entry equals the dense Hessian's bit
for bit.

scipy is imported only when a scipy.sparse pattern is given, and then only to
build a result in the pattern's format.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from ._evaluation import Moves, Serial
from ._options import sparsity_pattern
from ._results import finish
from ._steps import Box
from ._stencils import Stencil, richardson_weights
from ._values import scalar_value

__all__ = ["ColumnGroups", "as_groups", "hessian_pattern", "sparse_hessian", "sparse_jacobian"]


class ColumnGroups:
    """A sparsity pattern and its columns' groups, made once and reused.

    Made by :func:`fdgrad.group_columns` from a pattern; pass it as
    ``sparsity=`` to :func:`fdgrad.jacobian` (or :func:`fdgrad.hessian`) so
    that repeated calls (an optimizer's) skip the grouping.

    Attributes
    ----------
    shape : tuple of int
        ``(m, n)``: f's number of values and x's number of entries.
    groups : ndarray of int
        The group of each column, shape ``(n,)``; columns of one group
        share no row.
    ngroups : int
        The number of groups (f is evaluated about ``order * ngroups``
        times per Jacobian, central).
    nnz : int
        The number of structurally non-zero entries.
    format : str or None
        The scipy.sparse format results come in (``"csr"``, ``"csc"``, ...),
        or None for a dense pattern (results are then dense arrays).
    """

    def __init__(self, shape: tuple[int, int], col_ptr: np.ndarray, col_rows: np.ndarray, groups: np.ndarray,
                 ngroups: int, fmt: Optional[str], sparse_array: bool) -> None:
        self.shape = shape
        self.groups = groups
        self.ngroups = ngroups
        self.format = fmt
        self._sparse_array = sparse_array
        self._col_ptr = col_ptr
        self._col_rows = col_rows
        self.nnz = int(col_rows.size)
        counts = np.diff(col_ptr)
        self._cols = np.repeat(np.arange(shape[1]), counts)  # each non-zero's column, in CSC order
        order = np.argsort(groups, kind="stable")
        bounds = np.searchsorted(groups[order], np.arange(ngroups + 1))
        self._members = [order[bounds[g]:bounds[g + 1]] for g in range(ngroups)]

    def regrouped(self, groups: Any) -> "ColumnGroups":
        """The same pattern with the caller's groups (any labels, one per column; columns of one
        group must share no row, which is the caller's to ensure, as SciPy leaves it)."""
        labels = np.atleast_1d(np.asarray(groups))
        if labels.shape != (self.shape[1],):
            raise ValueError(f"groups must have one entry per column ({self.shape[1]}), got shape {labels.shape}")
        _, members = np.unique(labels, return_inverse=True)
        count = int(members.max()) + 1 if members.size else 0
        return ColumnGroups(self.shape, self._col_ptr, self._col_rows, members.astype(np.intp).reshape(-1), count,
                            self.format, self._sparse_array)

    def __repr__(self) -> str:
        return (f"ColumnGroups(shape={self.shape}, nnz={self.nnz}, ngroups={self.ngroups}, "
                f"format={self.format!r})")

    def moves(self, h: np.ndarray, offsets: tuple, only: Optional[np.ndarray] = None) -> tuple[Moves, list]:
        """The points of the stencil's non-zero offsets for every group (of the columns where
        `only` is True, if given): group g, offset k is point g * len(offsets) + k of the
        groups listed second (empty ones left out)."""
        members = self._members if only is None else [cols[only[cols]] for cols in self._members]
        kept = [g for g, cols in enumerate(members) if cols.size]
        members, noff = [members[g] for g in kept], len(offsets)
        index = np.concatenate([cols for cols in members for _ in offsets]) if members else np.empty(0, np.intp)
        delta = np.concatenate([o * h[cols] for cols in members for o in offsets]) if members else np.empty(0)
        sizes = np.repeat([cols.size for cols in members], noff)
        ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)

        def label(r: int) -> str:
            return f"column group {kept[r // noff]} (x + {offsets[r % noff]:g} h on {members[r // noff].size} columns)"

        return Moves(ptr, index, delta, label), kept

    def assemble(self, data: np.ndarray, out_shape: tuple, x_shape: tuple) -> Any:
        """The Jacobian from its non-zeros (CSC order): sparse in the pattern's format, or dense."""
        m, n = self.shape
        if self.format is None:
            dense = np.zeros(m * n)
            dense[self._col_rows * n + self._cols] = data
            return dense.reshape(out_shape + x_shape)
        import scipy.sparse as sp  # only for a scipy.sparse pattern

        build = sp.csc_array if self._sparse_array else sp.csc_matrix
        return build((data, self._col_rows.copy(), self._col_ptr.copy()), shape=(m, n)).asformat(self.format)


def as_groups(kernels: Any, sparsity: Any, name: str = "sparsity") -> ColumnGroups:
    """sparsity as ColumnGroups (grouped by the kernels), or itself if it is one."""
    if isinstance(sparsity, ColumnGroups):
        return sparsity
    shape, col_ptr, col_rows, fmt, sparse_array = sparsity_pattern(sparsity, name)
    m, n = shape
    by_row = np.argsort(col_rows, kind="stable")
    row_cols = np.repeat(np.arange(n), np.diff(col_ptr))[by_row]
    row_ptr = np.concatenate([[0], np.cumsum(np.bincount(col_rows, minlength=m))])
    groups = np.empty(n, dtype=np.uintp)
    as_size = [np.ascontiguousarray(a, dtype=np.uintp) for a in (col_ptr, col_rows, row_ptr, row_cols)]
    ngroups = int(kernels.group_columns(n, *as_size, groups))
    return ColumnGroups(shape, col_ptr, col_rows, groups.astype(np.intp), ngroups, fmt, sparse_array)


def _check_shape(groups: ColumnGroups, m: int, n: int, name: str = "sparsity") -> None:
    if groups.shape != (m, n):
        raise ValueError(f"{name} must have shape (f's number of values, x's number of entries) = {(m, n)}, "
                         f"got {groups.shape}")


def sparse_jacobian(ev: Serial, h: Any, stencil: Stencil, groups: ColumnGroups, box: Optional[Box],
                    full_output: bool) -> Any:
    """The Jacobian with a pattern (groups): of the pattern's format, with a DiffInfo (no error
    estimate) under full_output."""
    f0, out_shape, convert = ev.outputs(False)
    result, hs, nfev = _jacobian_nonzeros(ev, h, stencil, groups, f0, convert, out_shape, box)
    return finish(result, math.nan, nfev + 1, hs.reshape(ev.point.shape), full_output)


def _jacobian_nonzeros(ev: Serial, h: Any, stencil: Stencil, groups: ColumnGroups, f0: np.ndarray,
                       convert: Callable[[Any], Any], out_shape: tuple,
                       box: Optional[Box] = None) -> tuple[Any, np.ndarray, int]:
    """The Jacobian's non-zeros by groups of columns: (result, steps, nfev without f(x)).
    With bounds, the columns of each side (see _steps.Box) are grouped and evaluated apart."""
    point = ev.point
    m = f0.size
    _check_shape(groups, m, point.n)
    rows, cols = groups._col_rows, groups._cols
    nfev = 0
    for _ in range(2):  # a second pass only for steps sized for f's coarser values (float32)
        hs = ev.steps(h, stencil)
        if box is None:
            sides, by_side = np.full(point.n, stencil.row.side, dtype=np.int8), {stencil.row.side: stencil}
        else:
            sides, hs, by_side = box.scheme(point.work, hs, stencil)
        data = np.empty(groups.nnz)
        for s in np.unique(sides).tolist():
            st = by_side[s]
            live = [k for k, o in enumerate(st.offsets) if o != 0.0]
            offsets = tuple(st.offsets[k] for k in live)
            only = None if box is None else sides == s
            moves, kept = groups.moves(hs, offsets, only)
            values = ev.displaced(moves, m, convert, out_shape).reshape(len(kept), len(offsets), m)
            nfev += len(kept) * len(offsets)
            slot = np.full(groups.ngroups, -1, dtype=np.intp)
            slot[kept] = np.arange(len(kept))
            mine = None if box is None else np.flatnonzero(sides[cols] == s)  # (None: every non-zero)
            count = groups.nnz if mine is None else mine.size
            # the kernels' stencil formula for these non-zeros, a slice of them at a time (so that the
            # values gathered for it stay small beside the result): f_k of row r at column c's step
            for lo in range(0, count, _COMBINE_SLICE):
                part = slice(lo, min(lo + _COMBINE_SLICE, count))
                which = part if mine is None else mine[part]
                r, c = rows[which], cols[which]
                g = slot[groups.groups[c]]
                fvals = [np.ascontiguousarray(f0[r] if o == 0.0 else values[g, live.index(k), r])
                         for k, o in enumerate(st.offsets)]
                if mine is None:
                    ev.kernels.combine(st, fvals, np.ascontiguousarray(hs[c]), data[part])
                else:
                    combined = np.empty(len(r))
                    ev.kernels.combine(st, fvals, np.ascontiguousarray(hs[c]), combined)
                    data[which] = combined
        if h is not None or not ev.coarser_values(h):
            break
    return groups.assemble(data, out_shape, point.shape), hs, nfev


#: How many non-zeros the stencil formula combines at once in a Jacobian with a pattern.
_COMBINE_SLICE = 1 << 15


class HessianPattern:
    """The structurally non-zero entries of a Hessian's upper triangle (of the pattern and its
    transpose), and the pattern's format for the result."""

    def __init__(self, n: int, rows: np.ndarray, cols: np.ndarray, fmt: Optional[str], sparse_array: bool) -> None:
        self.n, self.format, self._sparse_array = n, fmt, sparse_array
        diagonal = rows == cols
        self.diag = rows[diagonal]
        self.pairs_i, self.pairs_j = rows[~diagonal], cols[~diagonal]
        self.nnz = int(self.diag.size + 2 * self.pairs_i.size)

    def assemble(self, diag: np.ndarray, off: np.ndarray, x_shape: tuple) -> Any:
        n = self.n
        rows = np.concatenate([self.diag, self.pairs_i, self.pairs_j])
        cols = np.concatenate([self.diag, self.pairs_j, self.pairs_i])
        data = np.concatenate([diag, off, off])
        if self.format is None:
            dense = np.zeros(n * n)
            dense[rows * n + cols] = data
            return dense.reshape(x_shape + x_shape)
        import scipy.sparse as sp  # only for a scipy.sparse pattern

        build = sp.coo_array if self._sparse_array else sp.coo_matrix
        return build((data, (rows, cols)), shape=(n, n)).asformat(self.format)


def hessian_pattern(sparsity: Any, n: int) -> HessianPattern:
    """The upper triangle of sparsity | sparsity.T, checked against x's size n (sparsity None:
    every entry, dense)."""
    if sparsity is None:
        rows, cols = np.triu_indices(n)
        return HessianPattern(n, rows.astype(np.intp), cols.astype(np.intp), None, False)
    if isinstance(sparsity, ColumnGroups):
        shape, col_ptr, col_rows = sparsity.shape, sparsity._col_ptr, sparsity._col_rows
        fmt, sparse_array = sparsity.format, sparsity._sparse_array
    else:
        shape, col_ptr, col_rows, fmt, sparse_array = sparsity_pattern(sparsity, "sparsity")
    if shape != (n, n):
        raise ValueError(f"sparsity must have shape (x's number of entries,) * 2 = {(n, n)} for a Hessian, "
                         f"got {shape}")
    cols = np.repeat(np.arange(n), np.diff(col_ptr))
    i, j = np.minimum(col_rows, cols), np.maximum(col_rows, cols)
    keys = np.unique(i * n + j)  # sorted: row by row, as the dense Hessian's entries
    return HessianPattern(n, keys // n, keys % n, fmt, sparse_array)


def _pair_moves(i: np.ndarray, j: np.ndarray, hs: np.ndarray, moves_of: list, label: Callable[[int], str]) -> Moves:
    """Points moving x_i by oi h_i and x_j by oj h_j (j = -1: x_i alone), for each (oi, oj) of moves_of."""
    per = len(moves_of)
    count = i.size * per
    if count == 0:
        return Moves(np.zeros(1, dtype=np.intp), np.empty(0, np.intp), np.empty(0), label)
    single = moves_of[0][1] is None
    width = 1 if single else 2
    index = np.empty((i.size, per, width), dtype=np.intp)
    delta = np.empty((i.size, per, width))
    for k, (oi, oj) in enumerate(moves_of):
        index[:, k, 0], delta[:, k, 0] = i, oi * hs[i]
        if not single:
            index[:, k, 1], delta[:, k, 1] = j, oj * hs[j]
    ptr = np.arange(0, count * width + 1, width, dtype=np.intp)
    return Moves(ptr, index.reshape(-1), delta.reshape(-1), label)


def sparse_hessian(ev: Serial, h: Any, stencil: Stencil, pattern: HessianPattern, f0: float,
                   box: Optional[Box] = None) -> tuple[Any, np.ndarray, int]:
    """The Hessian's structurally non-zero entries, each by the dense formula (fdgrad.h), with
    Richardson's combination over rungs for higher orders: (result, steps, nfev without f(x)).

    With bounds (see _steps.Box.hessian_scheme), each coordinate's one-sided steps may point
    either way: the one-sided formula at signed steps s_i = side_i h_i, which for one side
    throughout is the dense formula bit for bit."""
    diag, pi, pj = pattern.diag, pattern.pairs_i, pattern.pairs_j
    involved = np.unique(np.concatenate([diag, pi, pj]))
    nfev = 0
    for _ in range(2):  # a second pass only for steps sized for f's coarser values (float32)
        hs = ev.steps(h, stencil)
        if box is None:
            sides, order = np.full(pattern.n, stencil.row.side, dtype=np.int8), stencil.order
        else:
            sides, hs, order = box.hessian_scheme(ev.point.work, hs, stencil)
        central = not sides.any()
        rungs = order // 2 if central else order
        total_d, total_o = np.zeros(diag.size), np.zeros(pi.size)
        for c in range(1, rungs + 1):
            hc = hs * c if c > 1 else hs
            signed = hc if central else sides * hc  # one-sided: each coordinate's step into the box

            def evaluate(i: np.ndarray, j: Optional[np.ndarray], moves_of: list, what: str) -> np.ndarray:
                def label(r: int) -> str:
                    k = r // len(moves_of)
                    return f"Hessian {what} ({int(i[k])}" + ("" if j is None else f", {int(j[k])}") + ")"

                moves = _pair_moves(i, np.empty(0, np.intp) if j is None else j, signed, moves_of, label)
                return ev.displaced(moves, 1, scalar_value, ()).reshape(i.size, len(moves_of))

            if central:
                fd = evaluate(diag, None, [(1.0, None), (-1.0, None)], "entry")
                fo = evaluate(pi, pj, [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)], "entry")
                hd = hc[diag]
                d = (fd[:, 0] - 2.0 * f0 + fd[:, 1]) / (hd * hd)
                o = (fo[:, 0] - fo[:, 1] - fo[:, 2] + fo[:, 3]) / (4.0 * hc[pi] * hc[pj])
                nfev += 2 * diag.size + 4 * pi.size
            else:
                f1 = np.empty(pattern.n)
                f1[involved] = evaluate(involved, None, [(1.0, None)], "step of coordinate")[:, 0]
                fd = evaluate(diag, None, [(2.0, None)], "entry")
                fo = evaluate(pi, pj, [(1.0, 1.0)], "entry")
                sd = signed[diag]
                d = (fd[:, 0] - 2.0 * f1[diag] + f0) / (sd * sd)
                o = (fo[:, 0] - f1[pi] - f1[pj] + f0) / (signed[pi] * signed[pj])
                nfev += involved.size + diag.size + pi.size
            if rungs > 1:
                weight = richardson_weights(rungs, 2 if central else 1)[c - 1]
                d, o = weight * d, weight * o
                total_d, total_o = (d, o) if c == 1 else (total_d + d, total_o + o)
            else:
                total_d, total_o = d, o
        if h is not None or not ev.coarser_values(h):
            break
    return pattern.assemble(total_d, total_o, ev.point.shape), hs, nfev


ColumnGroups.__module__ = "fdgrad"  # its public name (help() shows -> fdgrad.ColumnGroups; pickles)
