"""Where score variance comes from: variance components of a random-effects model, and the
decision study (how reliable a loop of n questions x m interviewers per question would be).

Generalizability theory: Cronbach, L. J., Gleser, G. C., Nanda, H. & Rajaratnam, N. (1972). The
Dependability of Behavioral Measurements, Wiley; Brennan, R. L. (2001). Generalizability Theory,
Springer (the notation and the reference data sets of the tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

RESIDUAL = "residual"

METHOD_HENDERSON_1 = (
    "Henderson's method I (Henderson 1953; Searle, Casella & McCulloch 1992, section 5.3): the "
    "uncorrected sums of squares of every random term equated to their expectations; unbiased "
    "for an all-random model on unbalanced data and equal to the ANOVA estimates on balanced "
    "data (Brennan 2001, ch. 3). Negative estimates are set to zero."
)

# A smallest singular value below this share of the largest means the moment equations cannot
# tell two components apart (e.g. every candidate x question cell rated once: T_pq = T_0).
_SINGULAR_TOLERANCE = 1e-9


@dataclass(frozen=True)
class VarianceComponents:
    """Estimated variance components, in squared score points.

    `estimate` is truncated at zero; `raw_estimate` is what the moment equations gave (NaN for a
    component that the data cannot separate from the residual; it is then folded into it).
    """

    names: tuple[str, ...]  # the random terms in the order given, then RESIDUAL
    raw_estimate: np.ndarray
    estimate: np.ndarray
    observations: int
    levels: Mapping[str, int]
    notes: tuple[str, ...] = field(default_factory=tuple)
    method: str = METHOD_HENDERSON_1

    def as_dict(self) -> dict[str, float | None]:
        return {
            name: (float(value) if np.isfinite(value) else None)
            for name, value in zip(self.names, self.estimate.tolist(), strict=True)
        }

    def shares(self) -> dict[str, float | None]:
        """Each component's share of their sum (None when the total is zero or unknown)."""
        finite = np.where(np.isfinite(self.estimate), self.estimate, 0.0)
        total = float(finite.sum())
        return {
            name: (float(value / total) if total > 0 and np.isfinite(raw) else None)
            for name, value, raw in zip(self.names, finite, self.estimate, strict=True)
        }


# Cell counts of two terms are tallied in a dense table up to this many cells (or 4 per score),
# beyond that by sorting the compound codes: the table is O(cells) memory, the sort O(N log N).
_DENSE_CELLS_MIN = 1 << 20
_DENSE_CELLS_PER_SCORE = 4


def _cell_counts(
    first: np.ndarray, second: np.ndarray, first_levels: int, second_levels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-empty cells of the two-way table of two codes: their counts and both levels."""
    key = first * second_levels + second  # both < 2^31 levels in any report: no overflow
    cells = first_levels * second_levels
    if cells <= max(_DENSE_CELLS_PER_SCORE * key.size, _DENSE_CELLS_MIN):
        count = np.bincount(key, minlength=cells)
        present = np.flatnonzero(count)
        return count[present], present // second_levels, present % second_levels
    ordered = np.sort(key)
    start = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    count = np.diff(np.append(start, ordered.size))
    return count, ordered[start] // second_levels, ordered[start] % second_levels


def _pair_coefficients(
    first: np.ndarray, second: np.ndarray, first_size: np.ndarray, second_size: np.ndarray
) -> tuple[float, float]:
    """k(A, B) = sum_ab n_ab^2 / n_a and k(B, A) = sum_ab n_ab^2 / n_b, from one tally
    (Searle, Casella & McCulloch 1992, section 5.3)."""
    count, a, b = _cell_counts(first, second, first_size.size, second_size.size)
    squared = count.astype(np.float64) ** 2
    return float((squared / first_size[a]).sum()), float((squared / second_size[b]).sum())


def henderson_one(
    score: np.ndarray, terms: Mapping[str, np.ndarray], drop_order: Sequence[str] = ()
) -> VarianceComponents:
    """Variance components of score = mu + sum over terms of effect[term level] + residual,
    every effect random, independent, with mean zero, by Henderson's method I.

    `terms` maps a name to each observation's level code (dense 0..L-1); an interaction or a
    nested facet is a term of its own (codes of the (p, q) pairs for p x q, of the raters for
    r:t when rater ids are unique per task). With T_A = sum_a (sum of scores in a)^2 / n_a,
    T_mu = (sum y)^2 / N and T_0 = sum y^2,

        E[T_A - T_mu] = sum_B s2_B (k(A, B) - k(mu, B)) + s2_e (L_A - 1)
        E[T_0 - T_mu] = sum_B s2_B (N - k(mu, B))       + s2_e (N - 1)

    with k(A, B) = sum_ab n_ab^2 / n_a and k(mu, B) = sum_b n_b^2 / N: one linear equation per
    component, solved exactly. Source: Henderson, C. R. (1953). Estimation of variance and
    covariance components. Biometrics 9(2), 226-252 (method 1); Searle, S. R., Casella, G. &
    McCulloch, C. E. (1992). Variance Components, Wiley, section 5.3. On balanced data the
    equations are invertible combinations of the ANOVA mean squares, so the estimates are the
    ANOVA (expected-mean-square) estimates of Brennan (2001), ch. 3.

    Cost: O(N) per pair of terms (bincounts over compound codes), no matrix of size N.

    A component the equations cannot separate (the system is singular, e.g. every candidate x
    question cell scored once, so T_pq = T_0) is dropped, the first such in `drop_order` (or the
    last given term), and its variance stays in the residual; the notes say so. Negative
    estimates are set to zero and named in the notes.
    """
    score = np.asarray(score, dtype=np.float64)
    names = list(terms)
    n = score.size
    notes: list[str] = []
    codes = {name: np.asarray(terms[name], dtype=np.int64) for name in names}
    # Empty levels (a code never used) weigh nothing; a size of 1 keeps divisions finite.
    counts = {name: np.bincount(codes[name]) for name in names}
    levels = {name: int((counts[name] > 0).sum()) for name in names}
    sizes = {name: np.maximum(counts[name], 1).astype(np.float64) for name in names}
    if n < 2:
        nan = np.full(len(names) + 1, np.nan)
        return VarianceComponents(
            (*names, RESIDUAL), nan, nan, n, levels, ("fewer than two scores",)
        )

    total = float(score.sum())
    t_mu = total * total / n
    t_term = np.array(
        [
            float((np.bincount(codes[name], weights=score) ** 2 / s).sum())
            for name, s in sizes.items()
        ]
    )
    t_zero = float(score @ score)
    k_mu = np.array([float((counts[name].astype(np.float64) ** 2).sum()) / n for name in names])

    m = len(names)
    coefficient = np.zeros((m + 1, m + 1))
    pair = np.diag(np.full(m, float(n)))  # k(A, A) = sum_a n_a^2 / n_a = N
    for a, first in enumerate(names):
        for b in range(a + 1, m):
            second = names[b]
            pair[a, b], pair[b, a] = _pair_coefficients(
                codes[first], codes[second], sizes[first], sizes[second]
            )
    coefficient[:m, :m] = pair - k_mu
    coefficient[:m, m] = [levels[name] - 1 for name in names]
    coefficient[m, :m] = n - k_mu
    coefficient[m, m] = n - 1
    right = np.append(t_term - t_mu, t_zero - t_mu)

    kept = list(range(m))
    order = [names.index(name) for name in drop_order if name in names]
    order += [k for k in reversed(range(m)) if k not in order]
    raw = np.full(m + 1, np.nan)
    while True:
        rows = [*kept, m]
        system = coefficient[np.ix_(rows, rows)]
        singular = np.linalg.svd(system, compute_uv=False)
        if singular[-1] > _SINGULAR_TOLERANCE * max(singular[0], 1.0):
            solution = np.linalg.solve(system, right[rows])
            raw[rows] = solution
            break
        # Drop the first term, in order, that takes part in the dependency.
        _, _, vt = np.linalg.svd(system)
        involved = {kept[k] for k in np.flatnonzero(np.abs(vt[-1][:-1]) > 1e-6)}
        victim = next((k for k in order if k in involved), None)
        if victim is None or not kept:
            nan = np.full(m + 1, np.nan)
            return VarianceComponents(
                (*names, RESIDUAL),
                nan,
                nan,
                n,
                levels,
                ("the design cannot separate the residual from the other components",),
            )
        kept.remove(victim)
        notes.append(
            f"{names[victim]} cannot be separated from the other components in this data "
            "(too few repeated scorings); its variance is counted in the residual"
        )

    estimate = raw.copy()
    for k, name in enumerate((*names, RESIDUAL)):
        if np.isfinite(raw[k]) and raw[k] < 0:
            estimate[k] = 0.0
            notes.append(f"{name} estimated negative ({raw[k]:.4f}); set to zero")
    return VarianceComponents((*names, RESIDUAL), raw, estimate, n, levels, tuple(notes))


# Decision study ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Coefficients:
    generalizability: float | None  # E rho^2: relative decisions (ranking candidates)
    dependability: float | None  # Phi: absolute decisions (a score against a bar)


def decision_coefficients(
    components: Mapping[frozenset[str], float],
    sample_sizes: Mapping[str, int],
    object_of_measurement: str = "p",
) -> Coefficients:
    """E rho^2 and Phi of a random-facet D study (Brennan 2001, sections 4.1-4.3).

    Each component is named by the set of facet letters in it (nested ones included: r:t is
    {"r", "t"}; the residual of p x (r:t) is {"p", "r", "t"}). In the mean over the D-study's
    sample, a component's variance is divided by the product of the sample sizes of its facets
    other than the object of measurement. Relative error sums the divided components that
    contain the object of measurement (other than its own), absolute error all of them:

        E rho^2 = s2(p) / (s2(p) + s2(delta)),   Phi = s2(p) / (s2(p) + s2(Delta)).
    """
    universe = components.get(frozenset({object_of_measurement}), 0.0)
    relative = absolute = 0.0
    for facets, variance in components.items():
        if facets == frozenset({object_of_measurement}):
            continue
        divisor = 1.0
        for facet in facets - {object_of_measurement}:
            divisor *= sample_sizes[facet]
        share = variance / divisor
        absolute += share
        if object_of_measurement in facets:
            relative += share
    if universe + relative <= 0.0:
        return Coefficients(None, None)
    return Coefficients(universe / (universe + relative), universe / (universe + absolute))


def loop_components(
    *,
    candidate: float,
    question: float,
    interviewer: float,
    candidate_question: float,
    residual: float,
) -> dict[frozenset[str], float]:
    """The p x (r:q) D-study components from our G study's (Brennan 2001, section 4.4.1).

    Our G study has candidate p, question q, interviewer r, p x q and a residual that holds
    p x r, q x r and p x q x r with error. In a loop each question is scored by its own
    interviewers, so r:q takes s2(r) (+ s2(qr), here inside the residual) and pr:q,e the
    residual: conservative, as q x r variance then also counts as relative error.
    """
    return {
        frozenset("p"): candidate,
        frozenset("q"): question,
        frozenset("rq"): interviewer,
        frozenset("pq"): candidate_question,
        frozenset("prq"): residual,
    }


def decision_study(
    components: Mapping[frozenset[str], float],
    questions: Iterable[int] = range(1, 9),
    interviewers: Iterable[int] = range(1, 5),
) -> list[dict[str, object]]:
    """E rho^2 and Phi of p x (r:q) for every number of questions x interviewers per question."""
    rows: list[dict[str, object]] = []
    interviewer_counts = list(interviewers)
    for n_q in questions:
        for n_r in interviewer_counts:
            coefficients = decision_coefficients(components, {"q": n_q, "r": n_r})
            rows.append(
                {
                    "questions": n_q,
                    "interviewers": n_r,
                    "generalizability": coefficients.generalizability,
                    "dependability": coefficients.dependability,
                }
            )
    return rows


def decision_advice(
    components: Mapping[frozenset[str], float], questions: int, interviewers: int
) -> str | None:
    """Which addition raises E rho^2 more from a loop of `questions` x `interviewers` per
    question: one more question (scored by as many interviewers) or one more interviewer on
    every question. The sentence also names what each costs in scorings, since interviewer time
    is the price: one more question adds `interviewers` scorings per candidate, one more
    interviewer per question adds `questions`.
    """
    now = decision_coefficients(components, {"q": questions, "r": interviewers})
    if now.generalizability is None:
        return None
    more_q = decision_coefficients(components, {"q": questions + 1, "r": interviewers})
    more_r = decision_coefficients(components, {"q": questions, "r": interviewers + 1})
    gain_q = (more_q.generalizability or 0.0) - now.generalizability
    gain_r = (more_r.generalizability or 0.0) - now.generalizability
    loop = (
        f"{questions} question{'s' * (questions != 1)} with {interviewers} "
        f"interviewer{'s' * (interviewers != 1)} each"
    )
    question_text = f"one more question (+{gain_q:.3f}, {interviewers} more scorings)"
    interviewer_text = (
        f"one more interviewer per question (+{gain_r:.3f}, {questions} more scorings)"
    )
    if max(gain_q, gain_r) <= 0.0:
        return f"From {loop} (generalizability {now.generalizability:.3f}), neither helps."
    better, other = (
        (question_text, interviewer_text) if gain_q >= gain_r else (interviewer_text, question_text)
    )
    return (
        f"From {loop} (generalizability {now.generalizability:.3f}), {better} helps more "
        f"than {other}."
    )
