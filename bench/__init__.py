"""Load scripts, benchmarks and fault drills, on one harness (docs/BENCHMARKS.md, RELIABILITY.md).

- `bench.stack`: a private stack (PostgreSQL, Redis, gunicorn, Celery) on loopback ports, always
  stopped;
- `bench.populate`: interviewers with tokens, scheduled loops and sessions, in bulk;
- `bench.traffic`: the HTTP client, tallies and percentiles, interviewers submitting scorecards.

Every script runs either way from the repository root:
`.venv/bin/python bench/<script>.py` or `.venv/bin/python -m bench.<script>`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
