"""The load script and fault drills import and parse their options (they start services, so the
suite runs only `--help`; the drills themselves are run by hand, figures in docs/RELIABILITY.md)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = [
    "load_scorecards.py",
    "drill_worker_kill.py",
    "drill_redis_stop.py",
    "drill_postgres_restart.py",
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


def test_drills_use_private_ports_only():
    """Never the machine's PostgreSQL (5432), Redis (6379) or a port in the ephemeral range."""
    for script in SCRIPTS:
        text = (BENCH / script).read_text()
        ports = dict(re.findall(r"\b(pg|redis|web)_port=(\d+)", text))
        assert set(ports) == {"pg", "redis", "web"}, script
        for service, port in ports.items():
            assert int(port) not in (5432, 6379), (script, service)
            assert 1024 < int(port) < 32768, (script, service, port)
