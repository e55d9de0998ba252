"""Loop generation benchmark: server-side time of POST /api/v1/loops/ (10 questions, 4 sessions).

Runs the request in-process through django.test.Client against PostgreSQL, so the time measured is
the time inside the request (URL routing, authentication, validation, the generator's queries, the
generator itself, the writes and the response), without network or HTTP server overhead. Measures
200 generations with the seed bank (50 questions) and 200 with a synthetic bank of 10,000
questions, reporting median and p95, and the number of SQL queries per generation at both sizes.

With pool staffing (`--phases pools`), the same request without `interviewers` on a template
whose interviewer pool has 50, then 1,000 members (90% qualified, the rest shadow trainees; one
trainee per session; a weekly limit on every other member), after 10,000 past loops of history
spread over the last 20 weeks (those of the last three weeks still draft: upcoming load), one
seat per session from the 1,000 interviewers and 10 seed-bank questions each (week loads,
upcoming loads, pairings and exposure are read from them).

Usage (from the project root):
    .venv/bin/python bench/loop_generation_bench.py [--runs 200] [--synthetic 10000]
        [--phases bank,pools,synthetic] [--pool-sizes 50,1000] [--history 10000]

Without DATABASE_URL it drops and recreates its own database `interview_loops_bench_loops` on
127.0.0.1:5432 (user postgres). With DATABASE_URL it migrates that database and adds its rows.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "interview_loops_bench_loops"

QUOTAS = {
    "beginner": 1,
    "intermediate": 2,
    "advanced": 2,
    "scenario-based": 2,
    "ai-workflow-tools": 2,
    "behavioral": 1,
}


def _prepare_environment() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.stack import in_process_environment

    # A write limit the benchmark cannot reach.
    in_process_environment(DEFAULT_DB, THROTTLE_USER_WRITES="1000000/min")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--synthetic", type=int, default=10_000)
    parser.add_argument("--phases", default="bank,pools,synthetic")
    parser.add_argument("--pool-sizes", default="50,1000")
    parser.add_argument("--history", type=int, default=10_000)
    args = parser.parse_args()
    phases = set(args.phases.split(","))

    _prepare_environment()
    import django

    django.setup()

    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.services import token_create
    from interviews.models import Candidate, Job, JobTeamMember, LevelQuota, Loop, LoopTemplate
    from questionbank.models import Competency, Question

    call_command("migrate", verbosity=0, interactive=False)
    call_command("loaddata", "fixtures/questionbank.json", verbosity=0)

    tag = secrets.token_hex(3)
    manager = User.objects.create_user(f"bench-hm-{tag}", password=None)
    manager.groups.add(Group.objects.get(name="hiring_manager"))
    pool = []
    for n in range(8):
        user = User.objects.create_user(f"bench-interviewer-{tag}-{n}", password=None)
        user.groups.add(Group.objects.get(name="interviewer"))
        pool.append(user.pk)
    job = Job.objects.create(title="Benchmark job", hiring_manager=manager)
    JobTeamMember.objects.create(job=job, user=manager, role="hiring_manager")
    template = LoopTemplate.objects.create(
        name="Benchmark onsite", job=job, session_count=4, session_minutes=60
    )
    LevelQuota.objects.bulk_create(
        LevelQuota(template=template, level_id=slug, count=n) for slug, n in QUOTAS.items()
    )
    _row, token = token_create(user=manager)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def generate_once(seed: int) -> tuple[float, int]:
        candidate = Candidate.objects.create(name=f"Bench warm-up candidate {seed}")
        body = {
            "candidate": candidate.pk,
            "template": template.pk,
            "interviewers": pool,
            "seed": seed,
        }
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post("/api/v1/loops/", body, content_type="application/json")
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise SystemExit(f"generation failed: {response.status_code} {response.content!r}")
        return elapsed, len(queries.captured_queries)

    def analyze() -> None:
        # Planner statistics as autovacuum keeps them in a database in service. (Statistics
        # taken on empty tables make PostgreSQL choose nested loops that cost 100x.)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def phase(label: str) -> dict:
        bank = Question.objects.filter(is_active=True, level_id__in=list(QUOTAS)).count()
        # Warm-up (connection, caches, code paths), then statistics; query counts are taken
        # with a query log here, timings below without one (DEBUG is off).
        counts = {generate_once(seed)[1] for seed in range(20)}
        analyze()
        times = []
        for seed in range(args.runs):
            candidate = Candidate.objects.create(name=f"Bench candidate t{seed}")
            body = {
                "candidate": candidate.pk,
                "template": template.pk,
                "interviewers": pool,
                "seed": seed,
            }
            started = time.perf_counter()
            response = client.post("/api/v1/loops/", body, content_type="application/json")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.content
        return {
            "label": label,
            "bank": bank,
            "loops_before": Loop.objects.count() - args.runs,
            "median": statistics.median(times),
            "p95": _percentile(times, 0.95),
            "queries": sorted(counts),
        }

    results = [phase("seed bank")] if "bank" in phases else []
    if "pools" in phases:
        results.extend(
            _pool_phases(
                args=args,
                client=client,
                job=job,
                named=(template, pool),
                tag=tag,
                analyze=analyze,
                percentile=_percentile,
            )
        )
    if "synthetic" not in phases:
        _print(results)
        return

    competencies = list(Competency.objects.values_list("slug", flat=True))
    levels = list(QUOTAS)
    created = Question.objects.bulk_create(
        Question(
            slug=f"bench-{tag}-{n}",
            level_id=levels[n % len(levels)],
            prompt=f"Synthetic question {n}",
            hint="A synthetic hint.",
            estimated_minutes=5 + n % 8,
        )
        for n in range(args.synthetic - Question.objects.filter(is_active=True).count())
    )
    through = Question.competencies.through
    through.objects.bulk_create(
        through(question_id=q.pk, competency_id=competencies[i % len(competencies)])
        for i, q in enumerate(created)
    )
    results.append(phase(f"synthetic bank ({args.synthetic:,} questions)"))

    _print(results)


def _print(results: list[dict]) -> None:
    print(
        f"{'bank':<36}{'questions':>10}{'loops before':>13}{'median ms':>11}{'p95 ms':>9}"
        "  queries/generation"
    )
    for r in results:
        print(
            f"{r['label']:<36}{r['bank']:>10}{r['loops_before']:>13}{r['median']:>11.1f}"
            f"{r['p95']:>9.1f}  {', '.join(map(str, r['queries']))}"
        )


def _pool_phases(*, args, client, job, named, tag: str, analyze, percentile) -> list[dict]:
    """Pool staffing on the seed bank: the pools, the history, then one phase per pool size,
    and, for comparison on the same history, one with 8 named interviewers (`named`: the
    template without a pool and their ids)."""
    import random

    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from interviews.models import (
        Candidate,
        InterviewerPool,
        InterviewerProfile,
        InterviewSession,
        LevelQuota,
        Loop,
        LoopTemplate,
        PoolMember,
        SessionInterviewer,
        SessionQuestion,
    )
    from interviews.services.exposure import question_exposure_add
    from questionbank.models import Question

    sizes = [int(n) for n in args.pool_sizes.split(",")]
    largest = max(sizes)
    users = User.objects.bulk_create(
        User(username=f"bench-pool-{tag}-{n}", password="!") for n in range(largest)
    )
    group = Group.objects.get(name="interviewer")
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=group.pk) for u in users
    )
    InterviewerProfile.objects.bulk_create(
        InterviewerProfile(user_id=u.pk, weekly_limit=60) for u in users[::2]
    )
    templates = {}
    for size in sizes:
        pool = InterviewerPool.objects.create(name=f"Bench pool {tag} {size}")
        PoolMember.objects.bulk_create(
            PoolMember(pool=pool, user_id=u.pk, status="shadow" if n % 10 == 9 else "qualified")
            for n, u in enumerate(users[:size])
        )
        template = LoopTemplate.objects.create(
            name=f"Bench pool onsite {size}",
            job=job,
            session_count=4,
            session_minutes=60,
            interviewer_pool=pool,
            trainees_per_session=1,
        )
        LevelQuota.objects.bulk_create(
            LevelQuota(template=template, level_id=slug, count=n) for slug, n in QUOTAS.items()
        )
        templates[size] = template

    # History: past loops of 4 sessions, one seat each from the whole population, 10 questions.
    rng = random.Random(7)
    now = timezone.now()
    by_level: dict[str, list[tuple[int, int]]] = {}
    for qid, level, minutes in Question.objects.filter(
        is_active=True, level_id__in=list(QUOTAS)
    ).values_list("id", "level_id", "estimated_minutes"):
        by_level.setdefault(level, []).append((qid, minutes))
    candidates = Candidate.objects.bulk_create(
        Candidate(name=f"Bench past candidate {n}") for n in range(args.history)
    )
    history_template = templates[largest]
    ages = [timedelta(days=rng.randrange(0, 140), minutes=rng.randrange(1440)) for _ in candidates]
    loops = Loop.objects.bulk_create(
        Loop(
            candidate=c,
            template=history_template,
            # Loops of the last three weeks still lie ahead; older ones are done.
            status="draft" if age < timedelta(days=21) else "completed",
            seed=n,
            created_at=now - age,
        )
        for n, (c, age) in enumerate(zip(candidates, ages, strict=True))
    )
    sessions = InterviewSession.objects.bulk_create(
        InterviewSession(loop=loop, order=order, duration_minutes=60)
        for loop in loops
        for order in range(1, 5)
    )
    SessionInterviewer.objects.bulk_create(
        SessionInterviewer(session=s, loop_id=s.loop_id, interviewer_id=u.pk)
        for i in range(0, len(sessions), 4)
        for s, u in zip(sessions[i : i + 4], rng.sample(users, 4), strict=True)
    )
    rows = []
    for i in range(0, len(sessions), 4):
        picks = [q for slug, n in QUOTAS.items() for q in rng.sample(by_level[slug], n)]
        for order, (qid, minutes) in enumerate(picks):
            session = sessions[i + order % 4]
            rows.append(
                SessionQuestion(
                    session=session,
                    loop_id=session.loop_id,
                    question_id=qid,
                    order=order // 4 + 1,
                    estimated_minutes=minutes,
                )
            )
    SessionQuestion.objects.bulk_create(rows, batch_size=5000)
    # Written around the loop services: their questions' exposure counters, as those keep them.
    question_exposure_add(Counter(r.question_id for r in rows))
    analyze()

    results = []
    for size in [*sizes, 0]:
        template = templates[size] if size else named[0]
        extra = {} if size else {"interviewers": named[1]}

        def generate_once(seed: int, template=template, size=size, extra=extra):
            candidate = Candidate.objects.create(name=f"Bench pool candidate {size} {seed}")
            body = {"candidate": candidate.pk, "template": template.pk, "seed": seed, **extra}
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.post("/api/v1/loops/", body, content_type="application/json")
                elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 201:
                raise SystemExit(f"generation failed: {response.status_code} {response.content!r}")
            return elapsed, len(queries.captured_queries)

        counts = {generate_once(seed)[1] for seed in range(20)}
        analyze()
        times = []
        for seed in range(args.runs):
            candidate = Candidate.objects.create(name=f"Bench pool candidate t{size} {seed}")
            body = {"candidate": candidate.pk, "template": template.pk, "seed": seed, **extra}
            started = time.perf_counter()
            response = client.post("/api/v1/loops/", body, content_type="application/json")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.content
        results.append(
            {
                "label": f"seed bank, pool of {size:,}" if size else "seed bank, 8 named, history",
                "bank": Question.objects.filter(is_active=True, level_id__in=list(QUOTAS)).count(),
                "loops_before": Loop.objects.count() - args.runs,
                "median": statistics.median(times),
                "p95": percentile(times, 0.95),
                "queries": sorted(counts),
            }
        )
    return results


if __name__ == "__main__":
    main()
