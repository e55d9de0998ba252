"""Interviewer drift: each interviewer's severity per calendar quarter (or month).

Leckie, G. & Baird, J.-A. (2011). Rater effects on essay scoring: a multilevel analysis of
severity drift, central tendency, and rater experience. Journal of Educational Measurement
48(4), 399-418: individual severity moves over time even without a systematic trend, so one
severity per interviewer hides who changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse import csgraph

from scoring.calibration.absorb import absorbed_normal_equations
from scoring.calibration.blas import single_threaded_blas
from scoring.calibration.inputs import DRIFT_GRANULARITIES, encode_ids, group_rows
from scoring.calibration.severity import FITTED, SeverityFit

# A period's severity "moved" when it differs from the interviewer's own overall severity by
# more than this many of its standard errors.
DRIFT_SE_MULTIPLE = 2.0
# Eigenvalues of the criteria's Schur complement below this share of the largest are zeros.
_RANK_TOLERANCE = 1e-10


def period_labels(submitted_day: np.ndarray, granularity: str) -> tuple[list[str], np.ndarray]:
    """Sorted period labels ("2026-Q3" or "2026-11") and each rating's code into them.

    `submitted_day` counts days since 1970-01-01 (UTC).
    """
    if granularity not in DRIFT_GRANULARITIES:
        raise ValueError(f"granularity must be one of {DRIFT_GRANULARITIES}, got {granularity!r}")
    month = np.asarray(submitted_day, dtype="datetime64[D]").astype("datetime64[M]")
    month_index = month.astype(np.int64)  # months since 1970-01
    period = month_index // 3 if granularity == "quarter" else month_index
    ids, code = encode_ids(period)  # as np.unique(..., return_inverse=True), without a sort
    if granularity == "quarter":
        labels = [f"{1970 + int(q) // 4}-Q{int(q) % 4 + 1}" for q in ids]
    else:
        labels = [f"{1970 + int(m) // 12}-{int(m) % 12 + 1:02d}" for m in ids]
    return labels, code.reshape(-1)


@dataclass(frozen=True)
class InterviewerDrift:
    """Cells of (interviewer code, period code), sorted by interviewer then period, with their
    severity, SE, move and ratings; and per interviewer code whether they drifted."""

    interviewer: np.ndarray  # code into the fit's interviewer_ids
    period: np.ndarray  # code into the period labels
    severity: np.ndarray  # rating points, + harsher than the period's average interviewer
    severity_se: np.ndarray
    move: np.ndarray  # severity in the period minus the interviewer's overall (weighted) one
    move_se: np.ndarray
    ratings: np.ndarray
    drifting: np.ndarray  # per interviewer code: some period moved by > 2 SE
    residual_variance: float | None = None
    residual_df: int = 0


def _empty_drift(interviewers: int) -> InterviewerDrift:
    empty_int, empty = np.zeros(0, dtype=np.int64), np.zeros(0)
    drifting = np.zeros(interviewers, dtype=bool)
    return InterviewerDrift(empty_int, empty_int, empty, empty, empty, empty, empty_int, drifting)


def interviewer_drift(
    fit: SeverityFit,
    interviewer_code: np.ndarray,
    period_code: np.ndarray,
    candidate_code: np.ndarray,
    criterion_code: np.ndarray,
    rating: np.ndarray,
) -> InterviewerDrift:
    """Severity per interviewer and period from ONE least-squares fit with interviewer x period
    terms, and their standard errors.

    Model, over the ratings of the interviewers `fit_severity_model` could place (FITTED):

        rating = a[candidate, period] + e[criterion] - s[interviewer] - d[interviewer, period]
                 + error,   error ~ (0, sigma^2) independent,

    candidate ability a, criterion easiness e, interviewer severity s and its deviation d in a
    period (Leckie & Baird 2011 model rater x time effects for the same reason: a rater's
    severity moves, and one severity per rater hides who moved; they fit them as random effects
    of a multilevel model, here they are fixed effects fitted by least squares like the rest of
    the report). Ability is one per candidate and period: a loop crossing a period boundary
    counts as one candidate in each, which also absorbs any period-wide change of the candidates
    (cohort) or of every interviewer at once. A loop lasts days, so candidates nest in periods:
    a period's level is confounded with its cohort's ability anyway, and the few loops crossing
    a boundary would otherwise be the only, weak, link between the periods' levels.

    Identifiability constraints (stated, not estimated): (1) in each period the severities
    s[i] + d[i, p] of the interviewers active in it sum to zero, i.e. a period's severity is
    relative to that period's average interviewer, as the overall severity is relative to the
    average interviewer; (2) sum_p n_ip d[i, p] = 0 for each interviewer (n_ip their ratings in
    p), so s[i] is their rating-weighted mean severity over the periods and d the period's move
    from it; (3) criterion easiness sums to zero. Only contrasts within a period are estimable
    (each period is its own block of candidates), and these three fix everything else.

    Method: normal equations with the candidate effects absorbed (Frisch-Waugh-Lovell, as in
    `fit_severity_model`), in the parameters t[i, p] = s[i] + d[i, p] and e. Cells of
    different periods share no candidate, so the absorbed matrix is block-diagonal over periods
    in t, coupled only through the (few hundred) criteria: each period block B_p is factored by
    Cholesky, then the criteria's Schur complement S = E - sum_p C_p' B_p^-1 C_p is inverted
    (Moore-Penrose, from its eigendecomposition). Constraint (1) and (3) enter as H'H added to
    the blocks, with H the rows of the non-estimable sums: (M + H'H)^-1 is then a g-inverse of
    M and its solution satisfies H theta = 0 (Searle, S. R. (1971). Linear Models, Wiley,
    section 5.7). Standard errors: Var(c' theta) = sigma^2 c' G c for the estimable contrasts
    c, sigma^2 = RSS / (n - rank X), with the blocks of G = (M + H'H)^-1 needed taken from the
    block inverse G_pq = delta_pq B_p^-1 + B_p^-1 C_p S^+ C_q' B_q^-1 (only the pairs of cells of
    one interviewer). Cost O(ratings + sum_p K_p^3 + K J^2 + J^3), K_p the interviewers in
    period p, K all cells and J the criteria, never a dense (cells + criteria)-square
    factorisation: 0.5-0.7 s of CPU at 10^6 ratings, 600 interviewers, 200 criteria and 5
    quarters (0.9-1.0 s over 13 months), most of it building the absorbed normal equations.

    An interviewer is drifting when, with two or more periods, some |d[i, p]| > 2 SE(d[i, p]).
    In each period only the largest group of interviewers linked by shared candidates is
    fitted (connectedness, see `largest_connected_group`); periods with fewer than two
    interviewers say nothing about anyone's severity and are left out.

    Leckie, G. & Baird, J.-A. (2011). Rater effects on essay scoring: a multilevel analysis of
    severity drift, central tendency, and rater experience. Journal of Educational Measurement
    48(4), 399-418.
    """
    interviewers = fit.interviewer_ids.size
    fitted_interviewer = fit.interviewer_status == FITTED
    usable = fit.in_model & fitted_interviewer[interviewer_code]
    if not usable.any():
        return _empty_drift(interviewers)
    blocks = _drift_blocks(
        interviewer_code[usable],
        period_code[usable],
        candidate_code[usable],
        criterion_code[usable],
        rating[usable],
    )
    if blocks is None:
        return _empty_drift(interviewers)
    return _drift_estimates(blocks, interviewers)


@dataclass(frozen=True)
class _DriftDesign:
    """The ratings of the drift fit as dense codes; cells sorted by period, then interviewer."""

    rating: np.ndarray
    cell: np.ndarray  # (period, interviewer) cell of each rating
    piece: np.ndarray  # (period, candidate): the candidate's ability in that period
    criterion: np.ndarray
    cell_interviewer: np.ndarray  # interviewer code (the fit's) of each cell
    cell_period: np.ndarray  # period code of each cell, ascending
    criteria: int


def _design(
    interviewer: np.ndarray,
    period: np.ndarray,
    candidate: np.ndarray,
    criterion: np.ndarray,
    rating: np.ndarray,
) -> _DriftDesign:
    cell, cell_first = group_rows(period, interviewer)
    piece, _ = group_rows(period, candidate)
    _, criterion = encode_ids(criterion)
    return _DriftDesign(
        rating,
        cell,
        piece,
        criterion,
        interviewer[cell_first],
        period[cell_first],
        int(criterion.max()) + 1,
    )


def _connected_in_period(design: _DriftDesign) -> np.ndarray:
    """Per rating: inside its period's largest group of cells linked by shared candidates (by
    ratings), when that group has two or more interviewers. Pieces belong to one period, so no
    group spans two periods."""
    cells, pieces = design.cell_interviewer.size, int(design.piece.max()) + 1
    edges = sp.coo_matrix(
        (np.ones(design.cell.size), (design.cell, cells + design.piece)),
        shape=(cells + pieces, cells + pieces),
    )
    groups, label = csgraph.connected_components(edges.tocsr(), directed=False)
    cell_group = label[:cells]
    ratings = np.bincount(cell_group[design.cell], minlength=groups)
    members = np.bincount(cell_group, minlength=groups)
    group_period = np.full(groups, -1, dtype=np.int64)
    group_period[cell_group] = design.cell_period
    order = np.lexsort((-ratings, group_period))  # by period, heaviest first
    first_of_period = np.ones(order.size, dtype=bool)
    first_of_period[1:] = group_period[order][1:] != group_period[order][:-1]
    kept = np.zeros(groups, dtype=bool)
    best = order[first_of_period & (group_period[order] >= 0)]
    kept[best[members[best] >= 2]] = True
    return kept[cell_group[design.cell]]


def _drift_blocks(
    interviewer: np.ndarray,
    period: np.ndarray,
    candidate: np.ndarray,
    criterion: np.ndarray,
    rating: np.ndarray,
) -> _DriftDesign | None:
    """The drift fit's design over the connected part of every period (None: nothing left)."""
    design = _design(interviewer, period, candidate, criterion, rating)
    keep = _connected_in_period(design)
    if not keep.any():
        return None
    if not keep.all():
        design = _design(
            interviewer[keep], period[keep], candidate[keep], criterion[keep], rating[keep]
        )
    return design


def _absorbed_blocks(
    design: _DriftDesign,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """With the (candidate, period) abilities absorbed: the cell block (sparse, block-diagonal
    over periods), the cell x criterion block C, the criterion block E and the right-hand sides
    b_t, b_e of the normal equations (see `scoring.calibration.absorb`)."""
    blocks = absorbed_normal_equations(
        design.rating,
        design.piece,
        design.criterion,
        design.cell,
        int(design.piece.max()) + 1,
        design.criteria,
        design.cell_interviewer.size,
    )
    return (
        blocks.rater,
        blocks.cross,
        blocks.criterion,
        blocks.right_rater,
        blocks.right_criterion,
    )


def _inverse_with_constant_fixed(block: np.ndarray) -> np.ndarray:
    """(B + gamma 11')^-1 for a connected period block B (null space: the constant), by
    Cholesky; gamma is the mean diagonal over the size, the scale of B's other eigenvalues.

    Should B + gamma 11' not be positive definite after all (a direction of the period the
    ratings cannot identify beyond its constant: not seen in practice, connectedness is checked
    first), its Moore-Penrose inverse is used instead, a g-inverse as good for the estimable
    contrasts."""
    size = block.shape[0]
    fixed = block + (np.trace(block) / size**2)
    factor, info = scipy.linalg.lapack.dpotrf(fixed, lower=1)
    if info == 0:
        inverse, info = scipy.linalg.lapack.dpotri(factor, lower=1)
    if info != 0:
        return np.linalg.pinv(fixed, hermitian=True)
    return np.tril(inverse) + np.tril(inverse, -1).T


def _drift_estimates(design: _DriftDesign, interviewers: int) -> InterviewerDrift:
    """Solve the block system of `interviewer_drift` and the standard errors of its cells."""
    cell_block, cross, criterion_block, right_cell, right_criterion = _absorbed_blocks(design)
    cells, criteria = cross.shape
    bounds = np.flatnonzero(np.diff(design.cell_period)) + 1
    starts, ends = np.r_[0, bounds], np.r_[bounds, cells]
    schur = criterion_block + np.trace(criterion_block) / criteria**2  # + gamma 11' (3)
    schur_right = right_criterion.copy()
    solved = np.empty((cells, criteria))  # B_p^-1 C_p, period by period
    cell_part = np.empty(cells)  # B_p^-1 b_p
    centred_inverse = np.empty(cells)  # diagonal of P_p B_p^-1 P_p, P_p centring over p
    with single_threaded_blas():
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            inverse = _inverse_with_constant_fixed(cell_block[start:end, start:end].toarray())
            block_cross = cross[start:end]
            solved[start:end] = inverse @ block_cross
            cell_part[start:end] = inverse @ right_cell[start:end]
            schur -= block_cross.T @ solved[start:end]
            schur_right -= block_cross.T @ cell_part[start:end]
            # (B + gamma 11') 1 = gamma K 1 (B 1 = 0), so every row of the inverse sums to
            # 1 / (gamma K): diag(P G P) = diag(G) - 2 mean_row(G) + mean(G) = diag(G) - that / K.
            centred_inverse[start:end] = np.diag(inverse) - inverse.mean()
        eigenvalue, eigenvector = np.linalg.eigh(0.5 * (schur + schur.T))
        positive = eigenvalue > _RANK_TOLERANCE * max(float(np.abs(eigenvalue).max()), 1.0)
        basis = eigenvector[:, positive]
        schur_inverse = (basis / eigenvalue[positive]) @ basis.T
        easiness = schur_inverse @ schur_right
        leniency = cell_part - solved @ easiness
        # Centre the columns of B_p^-1 C_p within each period: the rows of P_p B_p^-1 C_p.
        period_of_cell = np.repeat(np.arange(starts.size), ends - starts)
        column_mean = np.add.reduceat(solved, starts, axis=0) / (ends - starts)[:, None]
        centred = solved - column_mean[period_of_cell]
        centred_times_inverse = centred @ schur_inverse

    y, k, g = design.rating, design.cell, design.piece
    zeta = easiness[design.criterion] + leniency[k]
    per_piece = np.bincount(g)
    ability = np.bincount(g, weights=y - zeta) / per_piece
    residual = y - zeta - ability[g]
    rank = per_piece.size + cells + int(positive.sum()) - starts.size - 1
    residual_df = int(y.size - rank)
    if residual_df <= 0:
        return _empty_drift(interviewers)
    sigma2 = float(residual @ residual) / residual_df

    # Severity relative to the period's average interviewer (constraint 1): -(t - mean_p t).
    period_mean = np.add.reduceat(leniency, starts) / (ends - starts)
    severity = -(leniency - period_mean[period_of_cell])
    ratings = np.bincount(k, minlength=cells)
    return _moves(
        design,
        severity,
        ratings,
        centred_inverse,
        centred,
        centred_times_inverse,
        sigma2,
        residual_df,
        interviewers,
    )


def _moves(
    design: _DriftDesign,
    severity: np.ndarray,
    ratings: np.ndarray,
    centred_inverse: np.ndarray,
    centred: np.ndarray,
    centred_times_inverse: np.ndarray,
    sigma2: float,
    residual_df: int,
    interviewers: int,
) -> InterviewerDrift:
    """Each cell's move d = severity - (the interviewer's rating-weighted mean severity) and the
    standard errors, from Cov(sev_a, sev_b) / sigma^2 = delta_ab [P B^-1 P]_aa
    + [P B^-1 C]_a S^+ [P B^-1 C]_b' over the pairs of cells (a, b) of one interviewer, as one
    batch of (periods x periods) matrices, one per interviewer."""
    order = np.lexsort((design.cell_period, design.cell_interviewer))
    who = design.cell_interviewer[order]
    periods = np.bincount(who, minlength=interviewers)
    slot = np.arange(order.size) - np.searchsorted(who, who)  # the cell's place among theirs
    width = int(periods.max())
    left = np.zeros((interviewers, width, centred.shape[1]))
    left[who, slot] = centred[order]
    right = np.zeros_like(left)
    right[who, slot] = centred_times_inverse[order]
    covariance = left @ right.transpose(0, 2, 1)
    covariance[who, slot, slot] += centred_inverse[order]
    cell_ratings = ratings[order].astype(np.float64)
    weight = np.zeros((interviewers, width))
    weight[who, slot] = cell_ratings / np.bincount(who, weights=cell_ratings)[who]
    weighted_row = np.einsum("iab,ib->ia", covariance, weight)
    overall_variance = np.einsum("ia,ia->i", weight, weighted_row)
    own_variance = covariance[who, slot, slot]
    move_variance = own_variance - 2.0 * weighted_row[who, slot] + overall_variance[who]
    cell_severity = severity[order]
    overall = np.einsum("ia,ia->i", weight, _padded(cell_severity, who, slot, weight.shape))
    move = cell_severity - overall[who]
    move_se = np.sqrt(sigma2 * np.clip(move_variance, 0.0, None))
    moved = (np.abs(move) > DRIFT_SE_MULTIPLE * move_se) & (periods[who] >= 2)
    drifting = np.bincount(who[moved], minlength=interviewers) > 0
    return InterviewerDrift(
        interviewer=who,
        period=design.cell_period[order],
        severity=cell_severity,
        severity_se=np.sqrt(sigma2 * np.clip(own_variance, 0.0, None)),
        move=move,
        move_se=move_se,
        ratings=ratings[order].astype(np.int64),
        drifting=drifting,
        residual_variance=sigma2,
        residual_df=residual_df,
    )


def _padded(
    values: np.ndarray, row: np.ndarray, column: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    table = np.zeros(shape)
    table[row, column] = values
    return table
