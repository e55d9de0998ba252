"""Question bank file benchmark: import into an empty bank, the same import again, the export.

A synthetic file of --questions questions (the import cap by default: 2,000), 4 criteria and 2
competencies each, over the seed bank's six levels, is imported with `manage.py
import_questionbank` (the HTTP body limit would refuse a file this size), imported again (nothing
changes), then exported through `GET /api/v1/questions/export/` in-process (django.test.Client:
the time inside the request). Reports wall time and SQL queries of each step; a second import
must report every question unchanged.

Usage (from the project root):
    .venv/bin/python bench/questionbank_file_bench.py [--questions 2000]

Without DATABASE_URL it drops and recreates its own database `interview_loops_bench_bank` on
127.0.0.1:5432 (user postgres). With DATABASE_URL it migrates that database; the bank there must
be empty.
"""

from __future__ import annotations

import argparse
import io
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "interview_loops_bench_bank"
LEVELS = [
    "beginner",
    "intermediate",
    "advanced",
    "scenario-based",
    "ai-workflow-tools",
    "behavioral",
]


def _prepare_environment() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.stack import in_process_environment

    in_process_environment(DEFAULT_DB)


def synthetic_file(questions: int) -> dict:
    """A bank file of `questions` questions with prompts and hints of the seed bank's length."""
    return {
        "version": 1,
        "levels": [
            {"slug": slug, "name": slug.replace("-", " ").title(), "order": n}
            for n, slug in enumerate(LEVELS, start=1)
        ],
        "competencies": [
            {"slug": f"competency-{n:02d}", "name": f"Competency {n}", "description": "x" * 120}
            for n in range(12)
        ],
        "questions": [
            {
                "slug": f"bench-question-{n:05d}",
                "level": LEVELS[n % len(LEVELS)],
                # No surrounding spaces: the import trims text as every API input does.
                "prompt": f"Question {n}: " + "how would you measure this? " * 6 + "Why?",
                "hint": f"Hint {n}: "
                + "a strong answer names the metric and its drivers. " * 12
                + "Done.",
                # In the export's order (by slug), so that the file and the export compare equal.
                "competencies": sorted(
                    [f"competency-{n % 12:02d}", f"competency-{(n + 5) % 12:02d}"]
                ),
                "estimated_minutes": 5 + n % 20,
                "is_active": True,
                "rubric": [
                    {
                        "text": f"Question {n}, point {k}: " + "covers it, " * 5 + "k.",
                        "weight": 1.0 + k,
                    }
                    for k in range(4)
                ],
            }
            for n in range(questions)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    args = parser.parse_args()

    _prepare_environment()
    import django

    django.setup()

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from core.services import token_create
    from questionbank.models import Question

    call_command("migrate", verbosity=0, interactive=False)
    if Question.objects.exists():
        sys.exit("The bank is not empty; run against an empty database.")
    manager = User.objects.create_user(f"bench-hm-{secrets.token_hex(3)}", password=None)
    manager.groups.add(Group.objects.get(name="hiring_manager"))

    class QueryCount:
        """Counts the statements sent (CaptureQueriesContext keeps only the last 9,000)."""

        def __enter__(self):
            self.count = 0
            self._wrapper = connection.execute_wrapper(self)
            self._wrapper.__enter__()
            return self

        def __exit__(self, *exc):
            self._wrapper.__exit__(*exc)

        def __len__(self):
            return self.count

        def __call__(self, execute, sql, params, many, context):
            self.count += 1
            return execute(sql, params, many, context)

    bank = synthetic_file(args.questions)
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bank.json"
        path.write_text(json.dumps(bank))
        results["file_bytes"] = path.stat().st_size
        for step in ("import_empty", "import_again"):
            out = io.StringIO()
            with QueryCount() as queries:
                started = time.perf_counter()
                call_command("import_questionbank", str(path), stdout=out)
                elapsed = time.perf_counter() - started
            results[step] = {"seconds": round(elapsed, 2), "queries": len(queries)}
            print(f"{step}: {elapsed:.2f} s, {len(queries)} queries; {out.getvalue().strip()}")
        if f"0 updated, {args.questions} unchanged" not in out.getvalue():
            sys.exit("The second import changed something.")

    _row, token = token_create(user=manager)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    with QueryCount() as queries:
        started = time.perf_counter()
        response = client.get("/api/v1/questions/export/")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content[:300]
    exported = response.json()
    assert exported["questions"] == sorted(
        bank["questions"], key=lambda q: (LEVELS.index(q["level"]), q["slug"])
    ), "the export differs from the imported file"
    results["export"] = {
        "seconds": round(elapsed, 2),
        "queries": len(queries),
        "bytes": len(response.content),
    }
    print(f"export: {elapsed:.2f} s, {len(queries)} queries, {len(response.content):,} bytes")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
