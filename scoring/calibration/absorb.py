"""Normal equations of a rating model with one absorbed factor (candidates), built in O(ratings).

Both least-squares fits of the report (`severity.fit_severity_model`: candidate + criterion +
interviewer; `drift.interviewer_drift`: candidate-in-period + criterion + interviewer x period)
have the same shape: y = A a + E e + R r + error, with A the dummies of the absorbed factor
(many levels), E those of the criteria (a few hundred, each group rates many of them) and R those
of the raters (each group meets only a few). Absorbing A (Frisch-Waugh-Lovell; Searle 1971,
Linear Models, ch. 7 "absorption") leaves

    M = Z'Z - Z'A (A'A)^-1 A'Z,   b = Z'y - Z'A (A'A)^-1 A'y,   Z = [E, R],

where Z'A (A'A)^-1 A'Z = sum over groups g of z_g z_g' / n_g (z_g: the counts of group g's
ratings per column, n_g its ratings). This module builds the three blocks of M separately, each
the cheap way for its sparsity: the criterion block as dense matrix products over groups (BLAS,
in slices of groups so the dense counts stay small), the rater blocks as sparse products (a
group meets few raters). Building M as one sparse product over all columns cost ~1.5 s of the
report at 10^6 ratings (issue 15's benchmark), most of it in scipy's sparse bookkeeping of the
dense criterion block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from scoring.calibration.blas import single_threaded_blas

# Dense group x criterion counts are built for at most this many entries at a time (32 MiB).
_DENSE_ENTRIES = 1 << 22


@dataclass(frozen=True)
class AbsorbedNormalEquations:
    """The blocks of M and b (see the module docstring); row/column order as the codes."""

    criterion: np.ndarray  # criteria x criteria, dense: E'E - E'A (A'A)^-1 A'E
    cross: np.ndarray  # raters x criteria, dense: R'E - R'A (A'A)^-1 A'E
    rater: sp.csr_matrix  # raters x raters, sparse: R'R - R'A (A'A)^-1 A'R
    right_criterion: np.ndarray
    right_rater: np.ndarray


def absorbed_normal_equations(
    y: np.ndarray,
    group: np.ndarray,
    criterion: np.ndarray,
    rater: np.ndarray,
    groups: int,
    criteria: int,
    raters: int,
) -> AbsorbedNormalEquations:
    """M and b of y = a[group] + e[criterion] + r[rater] + error with the groups absorbed.

    Codes are dense (0..n-1) and every group has ratings. Cost O(ratings + groups x criteria^2
    / BLAS speed + sum over groups of raters met^2).
    """
    per_group = np.bincount(group, minlength=groups).astype(np.float64)
    share = 1.0 / per_group
    group_mean = np.bincount(group, weights=y, minlength=groups) * share
    mean_of_group = group_mean[group]

    # Every count of group g enters as n_gc / sqrt(n_g), so each product below is X'X: the
    # 1 / n_g of Z'A (A'A)^-1 A'Z without a second scaled copy, and X'X is a symmetric rank-k
    # update (BLAS syrk, half the multiplications of a general product).
    root_share = np.sqrt(share)
    rating_weight = root_share[group]
    group_rater = sp.csr_matrix((rating_weight, (group, rater)), shape=(groups, raters))
    rater_block = sp.diags(np.bincount(rater, minlength=raters).astype(np.float64))
    rater_block = sp.csr_matrix(rater_block - group_rater.T @ group_rater)

    criterion_block = np.diag(np.bincount(criterion, minlength=criteria).astype(np.float64))
    cross = np.bincount(rater * criteria + criterion, minlength=raters * criteria)
    cross = cross.reshape(raters, criteria).astype(np.float64)
    with single_threaded_blas():  # see scoring.calibration.blas: threads lose on these hosts
        for start, stop, rows in _group_slices(group, groups, criteria):
            size = stop - start
            key = (group[rows] - start) * criteria + criterion[rows]
            counts = np.bincount(key, weights=rating_weight[rows], minlength=size * criteria)
            counts = counts.reshape(size, criteria)
            criterion_block -= counts.T @ counts
            cross -= group_rater[start:stop].T @ counts

    right_criterion = np.bincount(criterion, weights=y - mean_of_group, minlength=criteria)
    right_rater = np.bincount(rater, weights=y - mean_of_group, minlength=raters)
    return AbsorbedNormalEquations(
        0.5 * (criterion_block + criterion_block.T),
        cross,
        rater_block,
        right_criterion,
        right_rater,
    )


def _group_slices(group: np.ndarray, groups: int, criteria: int):
    """(first group, end group, rows of their ratings) slices of at most _DENSE_ENTRIES
    group x criterion entries."""
    per_slice = max(1, _DENSE_ENTRIES // max(criteria, 1))
    if groups <= per_slice:
        yield 0, groups, slice(None)
        return
    slice_of = (group // per_slice).astype(np.int32)
    order = np.argsort(slice_of, kind="stable")  # radix sort on small integers
    bounds = np.searchsorted(slice_of[order], np.arange((groups - 1) // per_slice + 2))
    for k in range(bounds.size - 1):
        start = k * per_slice
        yield start, min(start + per_slice, groups), order[bounds[k] : bounds[k + 1]]
