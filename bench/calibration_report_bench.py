"""Calibration report benchmark: the task's wall time and peak memory against the SQL floor.

For each database (filled beforehand by `manage.py generate_synthetic_data`), this script
  1. times the floor: one plain SQL query that reads every submitted rating once with its
     interviewer (the join the report needs) and averages per interviewer (best of --repeat);
  2. runs the report task body (`calibration_report_run_task`) in a fresh subprocess per run and
     reports its wall time, the part spent loading arrays, and the subprocess's peak RSS
     (ru_maxrss: everything the process held, Django, numpy and scipy included); with shadow
     scorecards in the data (`generate_synthetic_data --trainee-share`), the wall time of the
     trainees' load and statistics (`result.trainees`) apart.

    DATABASE_URL is given per database:
    .venv/bin/python bench/calibration_report_bench.py \
        --db 100k=postgres://postgres:postgres@127.0.0.1:5432/interview_loops_reports_bench100k \
        --db 1m=postgres://postgres:postgres@127.0.0.1:5432/interview_loops_reports_bench1m
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR_SQL = (
    "SELECT s.interviewer_id, avg(r.rating) FROM scoring_criterionrating r "
    "JOIN scoring_scorecard s ON s.id = r.scorecard_id "
    "WHERE s.status = 'submitted' GROUP BY s.interviewer_id"
)


def child() -> None:
    """Run one report in this process and print its figures as JSON."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from scoring.reports import services as report_services
    from scoring.reports.models import CalibrationReport
    from scoring.reports.tasks import calibration_report_run_task

    loading = {}

    def timed_loader(load):
        def timed_load(**kwargs):
            started = time.perf_counter()
            inputs = load(**kwargs)
            loading["seconds"] = time.perf_counter() - started
            return inputs

        return timed_load

    # Whichever loader the task calls: with the trainees' inputs or without.
    for name in LOADERS:
        if hasattr(report_services, name):
            setattr(report_services, name, timed_loader(getattr(report_services, name)))
    parts = _time_report_parts()
    _time_trainee_parts(parts)
    json_text = report_services._json_text

    def timed_json_text(value):
        started = time.perf_counter()
        try:
            return json_text(value)
        finally:
            parts["json_text"] = time.perf_counter() - started

    report_services._json_text = timed_json_text
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = CalibrationReport.objects.create(filters={})
    started, cpu_started = time.perf_counter(), time.process_time()
    calibration_report_run_task(report.pk)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report.refresh_from_db()
    summary = (report.result or {}).get("summary", {})
    trainees = (report.result or {}).get("trainees", [])
    CalibrationReport.objects.filter(pk=report.pk).delete()
    print(
        json.dumps(
            {
                "status": report.status,
                "error": report.error,
                "wall_seconds": wall,
                "cpu_seconds": cpu,
                "load_seconds": loading.get("seconds"),
                "peak_rss_mib": peak_kib / 1024,
                "baseline_rss_mib": baseline_kib / 1024,
                "ratings": summary.get("ratings"),
                "scorecards": summary.get("scorecards"),
                "interviewers": summary.get("interviewers"),
                "trainees": len(trainees),
                "trainee_comparisons": sum(row["comparisons"] for row in trainees),
                "parts_seconds": {name: round(t, 3) for name, t in parts.items()},
            }
        )
    )


# The statistics of scoring.calibration.report timed one by one (module attributes wrapped).
REPORT_PARTS = (
    "fit_severity_model_encoded",
    "_questions",
    "_agreement",
    "_reliability",
    "interviewer_rows",
    "_generalizability",
    "_drift",
    "_summary",
    "_candidates",
)


# The task's loader: the statistics' arrays alone (before 2026-11-30) or with the trainees'.
LOADERS = ("calibration_inputs_load", "calibration_report_inputs_load")
# The trainees' part (`result.trainees`), (module, function, part name), where the module has it:
# before 2026-11-30 an ORM read after the statistics and a pure-Python aggregation; after it a
# load inside the loader (whose wall time overlaps the main ratings statement) and numpy.
TRAINEE_PARTS = (
    ("scoring.reports.services", "trainee_ratings_load", "trainees_load"),
    ("scoring.reports.selectors", "_trainees_load", "trainees_load"),
    ("scoring.reports.services", "trainee_calibration", "trainees_statistics"),
)


def _timed(parts: dict[str, float], name: str, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def _time_trainee_parts(parts: dict[str, float]) -> None:
    import importlib

    for module_name, function, name in TRAINEE_PARTS:
        module = importlib.import_module(module_name)
        if hasattr(module, function):
            setattr(module, function, _timed(parts, name, getattr(module, function)))


def _time_report_parts() -> dict[str, float]:
    """Wrap the report's statistics so each call adds its wall time to the returned dict."""
    from scoring.calibration import report as report_module

    parts: dict[str, float] = {}
    for name in REPORT_PARTS:
        setattr(report_module, name, _timed(parts, name, getattr(report_module, name)))
    build = report_module.build_report

    def timed_build(*args, **kwargs):
        started = time.perf_counter()
        try:
            return build(*args, **kwargs)
        finally:
            parts["build_report"] = time.perf_counter() - started

    report_module.build_report = timed_build
    return parts


def floor_seconds(database_url: str, repeat: int) -> float:
    import psycopg

    with psycopg.connect(database_url) as conn:
        times = []
        for _ in range(repeat + 1):  # the first run warms the cache and is dropped
            started = time.perf_counter()
            conn.execute(FLOOR_SQL).fetchall()
            times.append(time.perf_counter() - started)
    return min(times[1:])


def run_report(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", action="append", default=[], help="label=DATABASE_URL")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        child()
        return
    rows = []
    for spec in args.db:
        label, url = spec.split("=", 1)
        floor = floor_seconds(url, args.repeat)
        runs = [run_report(url) for _ in range(args.repeat)]
        failed = [r for r in runs if r["status"] != "succeeded"]
        if failed:
            raise SystemExit(f"{label}: report failed: {failed[0]['error']}")
        wall = statistics.median(r["wall_seconds"] for r in runs)
        rows.append(
            {
                "label": label,
                "ratings": runs[0]["ratings"],
                "scorecards": runs[0]["scorecards"],
                "interviewers": runs[0]["interviewers"],
                "trainees": runs[0]["trainees"],
                "trainee_comparisons": runs[0]["trainee_comparisons"],
                "floor_s": floor,
                "task_s": wall,
                "task_runs_s": [round(r["wall_seconds"], 2) for r in runs],
                "load_s": statistics.median(r["load_seconds"] for r in runs),
                "cpu_s": statistics.median(r["cpu_seconds"] for r in runs),
                "peak_mib": max(r["peak_rss_mib"] for r in runs),
                "baseline_mib": runs[0]["baseline_rss_mib"],
                "x_floor": wall / floor,
            }
        )
        rows[-1]["parts_s"] = {
            name: round(statistics.median(r["parts_seconds"].get(name, 0.0) for r in runs), 3)
            for name in runs[0]["parts_seconds"]
        }
        rows[-1]["trainee_parts_runs_s"] = [
            {k: v for k, v in r["parts_seconds"].items() if k.startswith("trainees_")} for r in runs
        ]
        print(json.dumps(rows[-1]), file=sys.stderr)
    print(
        "| data | ratings | scorecards | interviewers | SQL floor | task (median) | "
        "of which loading | peak RSS (baseline) | task / floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['label']} | {row['ratings']:,} | {row['scorecards']:,} | "
            f"{row['interviewers']} | {row['floor_s']:.3f} s | {row['task_s']:.2f} s "
            f"(runs {row['task_runs_s']}) | {row['load_s']:.2f} s | "
            f"{row['peak_mib']:.0f} MiB ({row['baseline_mib']:.0f}) | {row['x_floor']:.1f}x |"
        )
    for row in rows:
        if row["trainees"]:
            parts = row["parts_s"]
            print(
                f"\n{row['label']}: {row['trainees']} trainees, {row['trainee_comparisons']:,} "
                f"comparisons; trainees' load {parts.get('trainees_load', 0):.2f} s, statistics "
                f"{parts.get('trainees_statistics', 0):.2f} s (medians)"
            )
    if len(rows) == 2:
        small, large = rows
        print(
            f"\n{large['ratings'] / small['ratings']:.1f}x the ratings took "
            f"{large['task_s'] / small['task_s']:.1f}x as long."
        )


if __name__ == "__main__":
    main()
