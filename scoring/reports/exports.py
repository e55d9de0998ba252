"""Calibration report exports: a CSV with one row per interviewer, and PNG charts (severity by
default; `kind=variance` for where the score variance comes from and the decision study).

Both read the stored `result` only; nothing is recomputed. Text cells of the CSV that a
spreadsheet would run as a formula are escaped (see `_text`). The chart uses matplotlib's
object-oriented API on the Agg canvas (no pyplot global state), so it is safe in any thread.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scoring.scorecards.models import Recommendation

# One count column per recommendation, weakest first (the scale's order).
RECOMMENDATIONS = tuple(r.value for r in sorted(Recommendation, key=lambda r: r.score))

CSV_COLUMNS = (
    "interviewer_id",
    "username",
    "scorecards",
    "ratings",
    "mean_rating",
    "sd_rating",
    "severity",
    "severity_se",
    *RECOMMENDATIONS,
    "decided_loops",
    "decision_agreement",
    "flags",
    "amended_after_peer_view",
    # From result["drift"] (issue 15): whether the interviewer drifted, over how many periods,
    # and their largest move from their own overall severity (signed, rating points) with its
    # SE and period. Empty for an interviewer the drift fit could not place.
    "drifting",
    "drift_periods",
    "largest_move",
    "largest_move_se",
    "largest_move_period",
)
# Error bars: about 95% of the normal distribution lies within 1.96 standard errors.
Z_95 = 1.96
# A chart of thousands of bars is unreadable: past this many, show the harshest and most lenient.
CHART_MAX_INTERVIEWERS = 60


# A spreadsheet runs a cell beginning with one of these as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A text cell a spreadsheet shows as text: a leading single quote before a formula trigger
    (OWASP's advice). Numbers never come through here, so a negative severity stays a number."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, str):
        return _text(value)
    return value


def _share(value: Any) -> Any:
    # The statistics give decision agreement as a share; older shapes may hold {share, ...}.
    if isinstance(value, dict):
        return value.get("share")
    return value


def _drift_cells(drift: dict[str, Any] | None) -> list[Any]:
    """The drift columns of one interviewer: drifting, periods and their largest |move|."""
    if drift is None:
        return ["", "", "", "", ""]
    periods = drift.get("periods") or []
    moves = [p for p in periods if p.get("move") is not None]
    largest = max(moves, key=lambda p: abs(p["move"]), default={})
    return [
        _cell("yes" if drift.get("drifting") else "no"),
        _cell(len(periods)),
        _cell(largest.get("move")),
        _cell(largest.get("move_se")),
        _cell(largest.get("period")),
    ]


def report_csv(result: dict[str, Any]) -> str:
    """One row per interviewer of `result["interviewers"]`, in the report's order, with their
    drift (`result["drift"]`, joined on the interviewer id) in the last columns."""
    drift = {row.get("id"): row for row in result.get("drift") or []}
    out = io.StringIO()
    # RFC 4180's line ending: Python's writer quotes a field holding a character of its line
    # terminator, so a carriage return inside a username cannot split a row either.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in result.get("interviewers") or []:
        counts = row.get("recommendation_counts") or {}
        writer.writerow(
            [
                _cell(row.get("id")),
                _text(str(row.get("username") or "")),
                _cell(row.get("scorecards")),
                _cell(row.get("ratings")),
                _cell(row.get("mean_rating")),
                _cell(row.get("sd_rating")),
                _cell(row.get("severity")),
                _cell(row.get("severity_se")),
                *(_cell(counts.get(name, 0)) for name in RECOMMENDATIONS),
                _cell(row.get("decided_loops", "")),
                _cell(_share(row.get("decision_agreement"))),
                _text(";".join(str(flag) for flag in row.get("flags") or [])),
                _cell(row.get("amended_after_peer_view", "")),
                *_drift_cells(drift.get(row.get("id"))),
            ]
        )
    return out.getvalue()


def _alpha_text(agreement: dict[str, Any], key: str) -> str:
    value = agreement.get(key)
    return "n/a" if value is None else f"{value:.3f}"


def chart_title(result: dict[str, Any]) -> str:
    agreement = result.get("agreement") or {}
    reliability = result.get("reliability") or {}
    needed = reliability.get("interviewers_for_0_8")
    return (
        "Interviewer severity (rating points, + = harsher), 95% error bars\n"
        f"Criterion alpha ordinal {_alpha_text(agreement, 'criterion_alpha_ordinal')}, "
        f"interval {_alpha_text(agreement, 'criterion_alpha_interval')} "
        f"({agreement.get('criterion_units', 0)} units); "
        f"recommendation alpha ordinal {_alpha_text(agreement, 'recommendation_alpha_ordinal')} "
        f"({agreement.get('recommendation_units', 0)} loops); "
        f"interviewers for 0.8: {'n/a' if needed is None else needed}"
    )


def report_chart_png(result: dict[str, Any]) -> bytes:
    """Each interviewer's severity with a 95% error bar, sorted, agreement in the title."""
    rows = [row for row in result.get("interviewers") or [] if row.get("severity") is not None]
    rows.sort(key=lambda row: (row["severity"], row.get("id") or 0))
    omitted = 0
    if len(rows) > CHART_MAX_INTERVIEWERS:
        half = CHART_MAX_INTERVIEWERS // 2
        omitted = len(rows) - 2 * half
        rows = rows[:half] + rows[-half:]
    height = max(3.0, 1.6 + 0.22 * len(rows))
    figure = Figure(figsize=(10, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    if rows:
        positions = list(range(len(rows)))
        severity = [row["severity"] for row in rows]
        errors = [Z_95 * (row.get("severity_se") or 0.0) for row in rows]
        colours = ["#b2182b" if value > 0 else "#2166ac" for value in severity]
        axes.errorbar(
            severity, positions, xerr=errors, fmt="none", ecolor="#555555", capsize=2, lw=1
        )
        axes.scatter(severity, positions, c=colours, s=18, zorder=3)
        axes.set_yticks(positions)
        axes.set_yticklabels(
            [str(row.get("username") or row.get("id")) for row in rows], fontsize=7
        )
        axes.axvline(0.0, color="#999999", lw=0.8)
    else:
        axes.text(0.5, 0.5, "No interviewer has an estimated severity", ha="center")
        axes.set_yticks([])
    label = "severity (rating points)"
    if omitted:
        label += f"; {omitted} interviewers in the middle omitted"
    axes.set_xlabel(label)
    axes.set_title(chart_title(result), fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


CHART_KINDS = ("severity", "variance", "drift")
# Lines for more than this many drifting interviewers are unreadable: keep the largest moves.
DRIFT_CHART_MAX_INTERVIEWERS = 12
VARIANCE_LABELS = {
    "candidate": "candidate",
    "question": "question",
    "interviewer": "interviewer",
    "candidate_question": "candidate x question",
    "residual": "residual",
}


def report_variance_png(result: dict[str, Any]) -> bytes:
    """Shares of the variance components (bars) and the decision study's generalizability and
    dependability by questions per loop, one line per number of interviewers per question."""
    components = result.get("variance_components") or {}
    shares = components.get("shares") or {}
    study = result.get("decision_study") or []
    figure = Figure(figsize=(11, 4.6), dpi=100)
    FigureCanvasAgg(figure)
    left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)

    names = [name for name in VARIANCE_LABELS if shares.get(name) is not None]
    if names:
        values = [100.0 * shares[name] for name in names]
        left.barh(range(len(names)), values, color="#4393c3")
        left.set_yticks(range(len(names)))
        left.set_yticklabels([VARIANCE_LABELS[name] for name in names], fontsize=8)
        left.invert_yaxis()
        for position, value in enumerate(values):
            left.text(value, position, f" {value:.1f}%", va="center", fontsize=7)
        left.set_xlim(0, max(values) * 1.2 or 1.0)
    else:
        left.text(0.5, 0.5, "Too few question scores for variance components", ha="center")
        left.set_yticks([])
    left.set_xlabel("share of question-score variance (%)")
    left.set_title(f"Where the variance comes from ({components.get('question_scores', 0)} scores)")

    panels = sorted({row["interviewers"] for row in study})
    for interviewers in panels:
        rows = sorted(
            (row for row in study if row["interviewers"] == interviewers),
            key=lambda row: row["questions"],
        )
        questions = [row["questions"] for row in rows]
        line = right.plot(
            questions,
            [row["generalizability"] for row in rows],
            marker="o",
            ms=3,
            label=f"{interviewers} interviewer{'s' * (interviewers != 1)}: E rho^2",
        )[0]
        right.plot(
            questions,
            [row["dependability"] for row in rows],
            ls="--",
            color=line.get_color(),
            lw=1,
            label=f"{interviewers}: Phi",
        )
    if panels:
        right.set_ylim(0, 1)
        right.axhline(0.8, color="#999999", lw=0.8)
        right.legend(fontsize=6, ncol=2, loc="lower right")
    else:
        right.text(0.5, 0.5, "No decision study", ha="center")
    right.set_xlabel("questions per loop")
    right.set_ylabel("generalizability (solid), dependability (dashed)")
    right.set_title("Decision study, p x (r:q) (Brennan 2001)")
    advice = result.get("decision_advice")
    if advice:
        figure.suptitle(advice, fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _largest_move(row: dict[str, Any]) -> float:
    moves = [abs(p.get("move") or 0.0) / (p.get("move_se") or 1.0) for p in row["periods"]]
    return max(moves, default=0.0)


def report_drift_png(result: dict[str, Any]) -> bytes:
    """Severity per period of the drifting interviewers, with 95% error bars."""
    rows = [row for row in result.get("drift") or [] if row.get("drifting")]
    rows.sort(key=lambda row: (-_largest_move(row), row.get("id") or 0))
    omitted = max(0, len(rows) - DRIFT_CHART_MAX_INTERVIEWERS)
    rows = rows[:DRIFT_CHART_MAX_INTERVIEWERS]
    periods = sorted({p["period"] for row in rows for p in row["periods"]})
    position = {period: k for k, period in enumerate(periods)}
    figure = Figure(figsize=(10, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    for row in rows:
        points = [p for p in row["periods"] if p.get("severity") is not None]
        axes.errorbar(
            [position[p["period"]] for p in points],
            [p["severity"] for p in points],
            yerr=[Z_95 * (p.get("severity_se") or 0.0) for p in points],
            marker="o",
            ms=3,
            capsize=2,
            lw=1,
            label=str(row.get("username") or row.get("id")),
        )
    if rows:
        axes.set_xticks(range(len(periods)))
        axes.set_xticklabels(periods, fontsize=8)
        axes.axhline(0.0, color="#999999", lw=0.8)
        axes.legend(fontsize=7, ncol=2)
    else:
        axes.text(0.5, 0.5, "No interviewer drifted", ha="center", transform=axes.transAxes)
    title = "Severity per period of drifting interviewers (+ = harsher), 95% error bars"
    if omitted:
        title += f"; {omitted} more drifting interviewers omitted"
    axes.set_title(title, fontsize=9)
    axes.set_ylabel("severity (rating points)")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def report_chart(result: dict[str, Any], kind: str) -> bytes:
    """The chart of `kind` (one of CHART_KINDS) as PNG bytes."""
    if kind == "variance":
        return report_variance_png(result)
    if kind == "drift":
        return report_drift_png(result)
    return report_chart_png(result)
