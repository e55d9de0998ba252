"""Synthetic hiring data with known truth, for demos, tests and benchmarks.

    manage.py generate_synthetic_data --candidates 24000 --interviewers 600 --seed 7 \\
        --planted-json /tmp/planted.json [--trainee-share 0.3 [--trainees 60]]

Writes jobs and loop templates, one completed loop per candidate with its sessions, submitted
scorecards, ratings and decision (see `scoring.scorecards.synthetic` for the model and the
phases), prints the planted severities as a summary and writes the whole planted truth to
`--planted-json`, so tests and benchmarks can check what the calibration report recovers.
`--trainee-share` (default 0: none, and the data set is exactly what it was without the option)
adds a pool of trainees and, in that share of sessions, one trainee's shadow scorecard with a
planted per-trainee severity (the report's `result.trainees`).

Everything is built as numpy arrays and written with PostgreSQL COPY (bulk_create in batches on
other databases), inside one transaction: about a million criterion ratings take well under a
minute.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from questionbank.models import Question
from scoring.scorecards.synthetic import (
    MIN_INTERVIEWERS,
    MIN_TRAINEES,
    SESSIONS_PER_LOOP,
    BankTooSmall,
    analyze_written_tables,
    write_synthetic_hiring_data,
)


class Command(BaseCommand):
    help = "Write synthetic loops, sessions, submitted scorecards and decisions with planted truth."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, required=True)
        parser.add_argument("--interviewers", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--paired-share",
            type=float,
            default=0.3,
            help="Share of sessions with two interviewers (default 0.3).",
        )
        parser.add_argument(
            "--trainee-share",
            type=float,
            default=0.0,
            help="Share of sessions with a trainee's shadow scorecard (default 0: no trainees).",
        )
        parser.add_argument(
            "--trainees",
            type=int,
            default=None,
            help=f"How many trainees (default: --interviewers / 10, at least {MIN_TRAINEES}).",
        )
        parser.add_argument(
            "--planted-json", default="", help="Write planted severities/abilities here."
        )
        parser.add_argument(
            "--prefix", default="", help="Username/external id prefix (default synth<seed>)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        candidates, interviewers = options["candidates"], options["interviewers"]
        seed, share = options["seed"], options["paired_share"]
        prefix = options["prefix"] or f"synth{seed}"
        trainee_share = options["trainee_share"]
        trainees = options["trainees"]
        if trainees is None:
            trainees = max(MIN_TRAINEES, interviewers // 10)
        self._check(candidates, interviewers, share, prefix)
        self._check_trainees(trainee_share, trainees)
        if not Question.objects.exists():
            call_command("loaddata", "fixtures/questionbank.json", verbosity=0)
        try:
            planted = write_synthetic_hiring_data(
                candidates=candidates,
                interviewers=interviewers,
                seed=seed,
                paired_share=share,
                prefix=prefix,
                trainee_share=trainee_share,
                trainees=trainees,
            )
        except BankTooSmall as exc:
            raise CommandError(str(exc)) from None
        analyze_written_tables()
        planted["seconds"] = round(time.perf_counter() - started, 2)
        if options["planted_json"]:
            with open(options["planted_json"], "w") as out:
                json.dump(planted, out)
        self._report(planted, options["planted_json"])

    def _check(self, candidates: int, interviewers: int, share: float, prefix: str) -> None:
        if candidates < 1:
            raise CommandError("--candidates must be at least 1")
        if interviewers < MIN_INTERVIEWERS:
            raise CommandError(
                f"--interviewers must be at least {MIN_INTERVIEWERS}: a loop has "
                f"{SESSIONS_PER_LOOP} sessions of up to two interviewers, and nobody interviews "
                "twice in one loop"
            )
        if not 0.0 <= share <= 1.0:
            raise CommandError("--paired-share must lie between 0 and 1")
        if User.objects.filter(username__startswith=f"{prefix}-").exists():
            raise CommandError(
                f"Users named {prefix}-* exist already; pass another --seed or --prefix"
            )

    def _check_trainees(self, trainee_share: float, trainees: int) -> None:
        if not 0.0 <= trainee_share <= 1.0:
            raise CommandError("--trainee-share must lie between 0 and 1")
        if trainee_share > 0 and trainees < MIN_TRAINEES:
            raise CommandError(
                f"--trainees must be at least {MIN_TRAINEES}: a loop may have a trainee in each "
                f"of its {SESSIONS_PER_LOOP} sessions, and nobody shadows twice in one loop"
            )

    def _report(self, planted: dict[str, Any], planted_json: str) -> None:
        counts = planted["counts"]
        self.stdout.write(
            f"Wrote {counts['ratings']} criterion ratings on {counts['scorecards']} submitted "
            f"scorecards ({counts['sessions']} sessions, {counts['paired_sessions']} with two "
            f"interviewers) for {counts['candidates']} candidates and {counts['interviewers']} "
            f"interviewers in {planted['seconds']} s (seed {planted['seed']})."
        )
        trainees = planted.get("trainees")
        if trainees:
            self.stdout.write(
                f"Trainees: {len(trainees['severity'])} in pool {trainees['pool']}, "
                f"{trainees['shadow_scorecards']} shadow scorecards with "
                f"{trainees['shadow_ratings']} ratings (not counted above)."
            )
        severity = planted["severity"]
        harshest = sorted(severity, key=severity.get, reverse=True)[:3]
        self.stdout.write(
            "Planted severities (rating points, + = harsher), harshest: "
            + ", ".join(f"{uid}: {severity[uid]:+.2f}" for uid in harshest)
            + (f". Full truth in {planted_json}" if planted_json else "")
        )
