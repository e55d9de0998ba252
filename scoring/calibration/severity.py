"""Interviewer severity from an additive main-effects model fitted by least squares.

    rating = mu + ability[candidate] + easiness[criterion] - severity[interviewer] + error

Severity is in rating points, positive = harsher than the average interviewer. Each family of
effects is centred to sum to zero over its estimable members (unweighted), so "average" means the
average interviewer / criterion / candidate, not the average rating.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from scoring.calibration.absorb import absorbed_normal_equations
from scoring.calibration.blas import single_threaded_blas
from scoring.calibration.inputs import RATING_MAX, RATING_MIN, encode_ids

FITTED = "fitted"
DISCONNECTED = "disconnected"  # shares no candidate (even indirectly) with the main group
CONFOUNDED = "confounded"  # connected, but severity cannot be told apart from criterion easiness

# Eigenvalues of the absorbed normal matrix below this share of the largest are treated as exact
# zeros (a direction the ratings cannot identify). Rounding puts true zeros near 1e-16 relative;
# genuinely weak links between interviewer groups sit many orders of magnitude above 1e-10.
_RANK_TOLERANCE = 1e-10
# Two members belong to the same estimable group when their null-space coordinates agree.
_SIGNATURE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SeverityFit:
    """Fitted effects; NaN marks a value the ratings cannot identify."""

    interviewer_ids: np.ndarray  # sorted ids of every interviewer with ratings
    severity: np.ndarray  # rating points, + harsher than the average interviewer
    severity_se: np.ndarray  # NaN when not estimable or no residual degrees of freedom
    interviewer_status: np.ndarray  # FITTED / DISCONNECTED / CONFOUNDED (object array)
    criterion_ids: np.ndarray
    easiness: np.ndarray  # rating points, + easier than the average criterion
    candidate_ids: np.ndarray
    adjusted_score: np.ndarray  # mean of (rating + severity) over fitted ratings, clipped 0..4
    in_model: np.ndarray  # per input rating: inside the largest connected component
    adjusted_rating: np.ndarray  # per input rating: rating + severity of its interviewer
    residual: np.ndarray  # per input rating, NaN outside the model
    residual_variance: float | None
    residual_df: int
    parameters: int  # rank of the design matrix


def largest_connected_group(
    interviewer_code: np.ndarray, candidate_code: np.ndarray, interviewers: int, candidates: int
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the interviewers and candidates in the largest interviewer-candidate component.

    Severities are comparable only between interviewers linked by chains of shared candidates
    (connectedness of a two-way layout: Searle, S. R. (1987). Linear Models for Unbalanced Data,
    Wiley; Weeks, D. L. & Williams, D. R. (1964). A note on the determination of connectedness
    in an N-way cross classification. Technometrics 6(3), 319-324). "Largest" counts ratings.
    """
    # One edge per rating: repeated pairs are summed by the CSR conversion, which leaves the
    # components (and their labels, numbered by node) as they are.
    nodes = interviewers + candidates
    edges = sp.coo_matrix(
        (np.ones(interviewer_code.size), (interviewer_code, interviewers + candidate_code)),
        shape=(nodes, nodes),
    )
    components, label = csgraph.connected_components(edges.tocsr(), directed=False)
    ratings_per_component = np.bincount(label[interviewer_code], minlength=components)
    largest = int(np.argmax(ratings_per_component))
    return label[:interviewers] == largest, label[interviewers:] == largest


def _heaviest_estimable_group(signature: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Mask of the largest (by weight) set of members whose mutual contrasts are estimable.

    A contrast x_a - x_b is estimable iff it is orthogonal to the null space of the normal
    matrix (Searle, S. R. (1971). Linear Models, Wiley, section 5.4), i.e. iff members a and b
    have the same coordinates (signature rows) on a basis of that null space.
    """
    members = signature.shape[0]
    group = np.full(members, -1, dtype=np.int64)
    groups = 0
    for start in range(members):
        if group[start] >= 0:
            continue
        distance = np.abs(signature - signature[start]).max(axis=1, initial=0.0)
        group[(group < 0) & (distance <= _SIGNATURE_TOLERANCE)] = groups
        groups += 1
    return group == int(np.argmax(np.bincount(group, weights=weight, minlength=groups)))


def _centred_contrast_variance(covariance: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Var(x_a - mean of members' x) / sigma^2 = c' C c, c = e_a - mean of members' unit vectors.

    With C = M^+ the covariance (over sigma^2) of the g-inverse solution (Rao 1973, section 4a):
    C_aa - 2 mean_b C_ab + mean_bd C_bd, for every member a at once.
    """
    block = covariance[np.ix_(members, members)]
    return np.clip(np.diag(block) - 2.0 * block.mean(axis=1) + block.mean(), 0.0, None)


def fit_severity_model(
    rating: np.ndarray, interviewer: np.ndarray, candidate: np.ndarray, criterion: np.ndarray
) -> SeverityFit:
    """Least-squares fit of rating = mu + a[candidate] + e[criterion] - s[interviewer] + error.

    Method (Frisch-Waugh-Lovell absorption): with A the candidate dummies and Z = [E, S] the
    criterion and interviewer dummies, the candidate effects are absorbed by within-candidate
    centring, leaving the small (criteria + interviewers)-square system

        M theta = b,   M = Z'Z - Z'A (A'A)^-1 A'Z,   b = Z'y - Z'A (A'A)^-1 A'y,

    built from sparse count matrices in O(ratings); (A'A) is diagonal. M is always singular (the
    constant of each family is absorbed by the candidates), so theta = M^+ b with the
    Moore-Penrose inverse from an eigendecomposition; the eigenvectors of zero eigenvalues span
    the directions the ratings cannot identify, which is how confounded interviewers (only ever
    rating criteria no peer uses) are detected. For an estimable contrast c' theta,
    Var = sigma^2 c' M^+ c with sigma^2 = RSS / (n - rank X), rank X = candidates + rank M.

    Sources: Frisch, R. & Waugh, F. V. (1933). Partial time regressions as compared with
    individual trends. Econometrica 1(4), 387-401; Lovell, M. C. (1963). Seasonal adjustment of
    economic time series. JASA 58, 993-1010; Searle, S. R. (1971). Linear Models, Wiley
    (absorption, generalized inverses and estimability); Rao, C. R. (1973). Linear Statistical
    Inference and its Applications, 2nd ed., section 4a (covariance under a g-inverse).

    Centring: severity is centred over the heaviest group of interviewers whose mutual contrasts
    are estimable (normally all connected ones) and severity_se is the SE of s_i - mean(s), the
    number reported; easiness likewise over criteria. Interviewers outside that group are
    CONFOUNDED, those outside the largest interviewer-candidate component DISCONNECTED (see
    `largest_connected_group`); only the component's ratings are fitted.

    Adjusted score of a candidate: mean over their ratings of (rating + s[interviewer])
    = mu + a[candidate] + mean of e over the criteria they were asked (+ mean error), i.e. the
    score an average interviewer would have given on the same criteria, clipped to 0..4. It
    keeps the difficulty of the questions asked, so it stays comparable with the raw mean.

    Cost: O(ratings) plus O((criteria + interviewers)^3) for the eigendecomposition, run on one
    BLAS thread (see `scoring.calibration.blas`): ~0.03-0.1 s at 600 and ~1-2 s at 2,000
    criteria + interviewers on a loaded 2-core machine (two threads there: 0.2-4 s at 600).
    """
    return fit_severity_model_encoded(
        np.asarray(rating, dtype=np.float64),
        *encode_ids(interviewer),
        *encode_ids(candidate),
        *encode_ids(criterion),
    )


def fit_severity_model_encoded(
    rating: np.ndarray,
    interviewer_ids: np.ndarray,
    interviewer_code: np.ndarray,
    candidate_ids: np.ndarray,
    candidate_code: np.ndarray,
    criterion_ids: np.ndarray,
    criterion_code: np.ndarray,
) -> SeverityFit:
    """`fit_severity_model` on ids already encoded (`CalibrationInputs.codes`): sorted ids and
    each rating's code into them. Ids without ratings (interviewers or candidates known only
    from scorecards) may be among them; they come out DISCONNECTED, without estimates.
    """
    status = np.full(interviewer_ids.size, DISCONNECTED, dtype=object)
    severity = np.full(interviewer_ids.size, np.nan)
    severity_se = np.full(interviewer_ids.size, np.nan)
    easiness = np.full(criterion_ids.size, np.nan)
    in_model = np.zeros(rating.size, dtype=bool)
    residual = np.full(rating.size, np.nan)
    sigma2: float | None = None
    residual_df = rank = 0

    interviewer_in = np.zeros(interviewer_ids.size, dtype=bool)
    if rating.size:
        interviewer_in, _ = largest_connected_group(
            interviewer_code, candidate_code, interviewer_ids.size, candidate_ids.size
        )
    # With fewer than two connected interviewers there are no peers to be harsher than.
    if interviewer_in.sum() >= 2:
        in_model = interviewer_in[interviewer_code]
        status[interviewer_in] = CONFOUNDED  # until shown to be in the estimable group below
        # The usual case: every rating is in the model and every code has ratings, so the codes
        # are already dense; skip re-encoding them.
        dense = (
            in_model.all()
            and np.bincount(interviewer_code, minlength=interviewer_ids.size).all()
            and np.bincount(candidate_code, minlength=candidate_ids.size).all()
        )
        if dense:
            y = rating
            model_interviewers, i = np.arange(interviewer_ids.size), interviewer_code
            model_candidates, c = np.arange(candidate_ids.size), candidate_code
            model_criteria, j = np.arange(criterion_ids.size), criterion_code
        else:
            y = rating[in_model]
            model_interviewers, i = encode_ids(interviewer_code[in_model])
            model_candidates, c = encode_ids(candidate_code[in_model])
            model_criteria, j = encode_ids(criterion_code[in_model])
        n_i, n_c, n_j = model_interviewers.size, model_candidates.size, model_criteria.size

        normal, right = _absorbed_normal_equations(y, c, j, i, n_c, n_j, n_i)
        with single_threaded_blas():
            eigenvalue, eigenvector = np.linalg.eigh(normal)
            positive = eigenvalue > _RANK_TOLERANCE * max(float(np.abs(eigenvalue).max()), 1.0)
            basis = eigenvector[:, positive]
            scaled = basis / eigenvalue[positive]
            # Only the interviewer block of M^+ = scaled @ basis' is read (the SEs): half the
            # product of the whole matrix.
            interviewer_block = scaled[n_j:] @ basis[n_j:].T
        theta = scaled @ (basis.T @ right)
        null_space = eigenvector[:, ~positive]

        # Fitted values are unique although theta is not; candidate effects return by averaging.
        zeta = theta[j] + theta[n_j + i]
        candidate_effect = np.bincount(c, weights=y - zeta, minlength=n_c) / np.bincount(c)
        model_residual = y - zeta - candidate_effect[c]
        residual[in_model] = model_residual
        rank = n_c + int(positive.sum())
        residual_df = max(int(y.size - rank), 0)
        if residual_df > 0:
            sigma2 = float(model_residual @ model_residual) / residual_df

        weight = np.bincount(i, minlength=n_i).astype(np.float64)
        estimable = _heaviest_estimable_group(null_space[n_j:], weight)
        if estimable.sum() >= 2:
            # theta holds leniency (+ = higher ratings); severity is its negative, centred.
            leniency = theta[n_j:][estimable]
            members = model_interviewers[estimable]
            severity[members] = -(leniency - leniency.mean())
            status[members] = FITTED
            if sigma2 is not None:
                variance = _centred_contrast_variance(interviewer_block, estimable)
                severity_se[members] = np.sqrt(sigma2 * variance)

        weight = np.bincount(j, minlength=n_j).astype(np.float64)
        criterion_estimable = _heaviest_estimable_group(null_space[:n_j], weight)
        fitted_easiness = theta[:n_j][criterion_estimable]
        easiness[model_criteria[criterion_estimable]] = fitted_easiness - fitted_easiness.mean()

    # A candidate's adjusted score: their ratings as an average interviewer would have given
    # them on the criteria they were actually asked, i.e. mean(rating + severity). Ratings by
    # interviewers without a severity cannot be corrected and are left out.
    adjusted_rating = rating + severity[interviewer_code]
    known = np.isfinite(adjusted_rating)
    count = np.bincount(candidate_code[known], minlength=candidate_ids.size)
    total = np.bincount(candidate_code[known], weights=adjusted_rating[known], minlength=count.size)
    adjusted_score = np.full(candidate_ids.size, np.nan)
    scored = count > 0
    adjusted_score[scored] = np.clip(total[scored] / count[scored], RATING_MIN, RATING_MAX)
    return SeverityFit(
        interviewer_ids=interviewer_ids,
        severity=severity,
        severity_se=severity_se,
        interviewer_status=status,
        criterion_ids=criterion_ids,
        easiness=easiness,
        candidate_ids=candidate_ids,
        adjusted_score=adjusted_score,
        in_model=in_model,
        adjusted_rating=adjusted_rating,
        residual=residual,
        residual_variance=sigma2,
        residual_df=residual_df,
        parameters=rank,
    )


def _absorbed_normal_equations(
    y: np.ndarray, c: np.ndarray, j: np.ndarray, i: np.ndarray, n_c: int, n_j: int, n_i: int
) -> tuple[np.ndarray, np.ndarray]:
    """M = Z'Z - Z'A (A'A)^-1 A'Z and b = Z'y - Z'A (A'A)^-1 A'y for Z = [criteria, interviewers]
    as one dense matrix (see `scoring.calibration.absorb`)."""
    blocks = absorbed_normal_equations(y, c, j, i, n_c, n_j, n_i)
    normal = np.empty((n_j + n_i, n_j + n_i))
    normal[:n_j, :n_j] = blocks.criterion
    normal[n_j:, :n_j] = blocks.cross
    normal[:n_j, n_j:] = blocks.cross.T
    normal[n_j:, n_j:] = blocks.rater.toarray()
    normal = 0.5 * (normal + normal.T)  # remove rounding asymmetry before eigh
    return normal, np.concatenate([blocks.right_criterion, blocks.right_rater])
