"""The large contract-fuzzing run: every operation of the OpenAPI schema, as every role, with
many examples each (default 200), through the WSGI app against PostgreSQL.

    .venv/bin/python bench/fuzz_contract.py --examples 200 --workers 2 --seed 7
    .venv/bin/python bench/fuzz_contract.py --stateful --examples 200 --steps 20 --seed 3,4

`--seed` takes one seed or several (comma-separated; default: the CI seeds 1,2). `--stateful` runs
tests/test_contract_fuzzing_stateful.py instead: schemathesis follows the schema's OpenAPI links,
`--examples` scenarios of up to `--steps` calls per seed and role; it writes
bench/results/fuzz_contract_stateful.json.

Prints and writes bench/results/fuzz_contract.json: operations fuzzed, examples tried, status
codes seen, the number of 5xx (must be 0), the tests that failed with their first error line, and
which of the schema's operations were never called or never answered with a 2xx;
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
    parser.add_argument("--seed", help="seed or comma-separated seeds (default: 1,2)")
    parser.add_argument("--stateful", action="store_true", help="follow the OpenAPI links")
    parser.add_argument("--steps", type=int, default=20, help="--stateful: calls per scenario")
    args = parser.parse_args()
    test_file = "tests/test_contract_fuzzing" + ("_stateful" if args.stateful else "") + ".py"
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        report_path = handle.name
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "FUZZ_EXAMPLES": str(args.examples),
        "FUZZ_REPORT": report_path,
        "FUZZ_SCENARIOS": str(args.examples),
        "FUZZ_STEPS": str(args.steps),
        **({"FUZZ_SEEDS": args.seed} if args.seed else {}),
    }
    started = time.monotonic()
    pytest = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            test_file,
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
    statuses = collections.Counter()
    for call in calls:  # the stateful test writes one line per operation and status, with a count
        statuses[call["status"]] += call.get("count", 1)
    output = pytest.stdout + pytest.stderr
    by_operation: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for call in calls:
        by_operation[call["operation"]][call["status"]] += call.get("count", 1)
    in_schema = _schema_operations(args.database_url)
    failed = [line[len("FAILED ") :] for line in output.splitlines() if line.startswith("FAILED ")]
    summary = {
        "examples_per_operation_and_role": args.examples,
        "operations": len({call["operation"] for call in calls}),
        "requests": sum(statuses.values()),
        "operations_with_a_2xx": len({c["operation"] for c in calls if c["status"] < 300}),
        "seeds": args.seed or "1,2",
        "stateful": args.stateful,
        "status_codes": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(n for code, n in statuses.items() if 500 <= code < 600),
        "operations_never_called": sorted(in_schema - set(by_operation)),
        "operations_without_a_2xx": {
            operation: dict(sorted(counts.items()))
            for operation, counts in sorted(by_operation.items())
            if not any(code < 300 for code in counts)
        },
        "workers": args.workers,
        "pytest_summary": pytest.stdout.strip().splitlines()[-1] if pytest.stdout else "",
        "failed": failed,
        "seconds": round(elapsed, 1),
    }
    name = "fuzz_contract_stateful" if args.stateful else "fuzz_contract"
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    out.with_suffix(".log").write_text(output)
    print(json.dumps(summary, indent=2))
    return pytest.returncode


def _schema_operations(database_url: str) -> set[str]:
    """ "METHOD /path" of every operation in the schema (the app's own, as the tests load it)."""
    code = (
        "import django, json; django.setup();"
        "from drf_spectacular.generators import SchemaGenerator;"
        "paths = SchemaGenerator().get_schema(request=None, public=True)['paths'];"
        "print(json.dumps([f'{m.upper()} {p}' for p, ops in paths.items() for m in ops"
        " if m in ('get', 'post', 'put', 'patch', 'delete')]))"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1])) if out.returncode == 0 else set()


if __name__ == "__main__":
    sys.exit(main())
