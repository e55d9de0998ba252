"""The load scripts and fault drills import and parse their options, run as a file and as a
module of the `bench` package (they start services, so the suite runs only `--help`; the scripts
themselves are run by hand, figures in docs/BENCHMARKS.md and docs/RELIABILITY.md)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SCRIPTS = [
    "load_scorecards.py",
    "scorecard_load_bench.py",
    "scorecard_write_profile.py",
    "drill_worker_kill.py",
    "drill_redis_stop.py",
    "drill_postgres_restart.py",
    "webhook_bench.py",
    "drill_feedback_reminders.py",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_shows_its_options(script):
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "--json-out" in done.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_runs_as_a_module(script):
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{script.removesuffix('.py')}", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "--json-out" in done.stdout


def test_no_script_keeps_its_own_stack_or_client():
    """One harness: stacks, HTTP clients and people come from bench.stack / traffic / populate."""
    for script in SCRIPTS:
        text = (BENCH / script).read_text()
        for own_copy in ("subprocess.Popen(", "http.client", "bulk_create(", "_cluster"):
            assert own_copy not in text, (script, own_copy)


def test_drills_use_private_ports_only():
    """Never the machine's PostgreSQL (5432), Redis (6379) or a port in the ephemeral range."""
    for script in SCRIPTS:
        text = (BENCH / script).read_text()
        ports = dict(re.findall(r"\b(pg|redis|web)_port=(\d+)", text))
        assert set(ports) == {"pg", "redis", "web"}, script
        for service, port in ports.items():
            assert int(port) not in (5432, 6379), (script, service)
            assert 1024 < int(port) < 32768, (script, service, port)
