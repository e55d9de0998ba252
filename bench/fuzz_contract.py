"""The large contract-fuzzing run: every operation of the OpenAPI schema, as every role, with
many examples each (default 200), through the WSGI app against PostgreSQL.

    .venv/bin/python bench/fuzz_contract.py --examples 200 --workers 2

Prints and writes bench/results/fuzz_contract.json: operations fuzzed, examples tried, status
codes seen, the number of 5xx (must be 0) and the tests that failed with their first error line;
the whole pytest output goes to bench/results/fuzz_contract.log (not committed). Exits non-zero
when pytest found a failure. `--workers N` spreads the operations over N pytest-xdist processes
(each with its own test database).
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="pytest-xdist processes")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/interview_loops_fuzz"
        ),
    )
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        report_path = handle.name
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "FUZZ_EXAMPLES": str(args.examples),
        "FUZZ_REPORT": report_path,
    }
    started = time.monotonic()
    pytest = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_contract_fuzzing.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rf",
            "--tb=short",
            *(["-n", str(args.workers)] if args.workers > 1 else []),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    calls = [json.loads(line) for line in Path(report_path).read_text().splitlines() if line]
    Path(report_path).unlink()
    statuses = collections.Counter(call["status"] for call in calls)
    output = pytest.stdout + pytest.stderr
    failed = [line[len("FAILED ") :] for line in output.splitlines() if line.startswith("FAILED ")]
    summary = {
        "examples_per_operation_and_role": args.examples,
        "operations": len({call["operation"] for call in calls}),
        "requests": len(calls),
        "status_codes": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(n for code, n in statuses.items() if 500 <= code < 600),
        "workers": args.workers,
        "pytest_summary": pytest.stdout.strip().splitlines()[-1] if pytest.stdout else "",
        "failed": failed,
        "seconds": round(elapsed, 1),
    }
    out = ROOT / "bench" / "results" / "fuzz_contract.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    out.with_suffix(".log").write_text(output)
    print(json.dumps(summary, indent=2))
    return pytest.returncode


if __name__ == "__main__":
    sys.exit(main())
