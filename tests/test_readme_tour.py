"""The README's "A short tour with curl", run verbatim against a live server started the way
`make run` starts one, so that the README cannot drift from the API again.

The server runs the `run` recipe of the Makefile itself (migrate, load the question bank, create
the demo users, serve) in a fresh SQLite file with no broker (tasks in-process), on a free port of
18300-18399. The tour's shell blocks run in order in one bash, with `set -euo pipefail` and `curl`
wrapped to fail on any answer that is not 2xx; the only change to the README's text is the
server's address (`localhost:8000`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_ADDRESS = "localhost:8000"
PORTS = range(18300, 18400)
TOUR_HEADING = "## A short tour with curl"

# Every request of the tour is logged to stderr as "HTTP <code> <method> <url>"; a non-2xx answer
# stops the tour (--fail-with-body: curl exits 22 and still prints the error body).
PROLOGUE = """\
set -euo pipefail
shopt -s inherit_errexit
curl() {
  command curl --fail-with-body --show-error --max-time 120 \\
    -w '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' "$@"
}
"""


def tour_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the tour section, in order."""
    start = readme.index(TOUR_HEADING)
    end = readme.find("\n## ", start + len(TOUR_HEADING))
    section = readme[start : end if end != -1 else len(readme)]
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)


def make_run_recipe() -> list[str]:
    """The commands of `make run` as make expands them (`make -n`), with this interpreter as
    `$(PY)`; the virtualenv step is skipped (`-o venv`): the tests already run in it."""
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "venv", "run", f"PY={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    recipe = [line for line in dry_run.stdout.splitlines() if line.strip()]
    assert recipe and "runserver" in recipe[-1], recipe
    return recipe


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("No free port in 18300-18399.")


def make_run_env(database: Path) -> dict[str, str]:
    """A clean environment, as on a fresh machine: only the database file and DEBUG (which
    `make run` sets) differ from the defaults; no broker, so tasks run in-process."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update({"DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1"})
    return env


@pytest.fixture
def make_run_server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A server started as `make run` starts it; yields (host:port, database file, its log),
    and stops it (and any child) whatever happens."""
    database = tmp_path / "db.sqlite3"
    log_path = tmp_path / "server.log"
    env = make_run_env(database)
    *setup, serve = make_run_recipe()
    for line in setup:
        done = subprocess.run(
            line, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    port = free_port()
    address = f"127.0.0.1:{port}"
    assert "127.0.0.1:8000" in serve, serve
    with log_path.open("w") as log:
        server = subprocess.Popen(
            serve.replace("127.0.0.1:8000", address),
            shell=True,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the reloader's child stops too
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"The server exited:\n{log_path.read_text()}"
            try:
                with urllib.request.urlopen(f"http://{address}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"No answer from {address}:\n{log_path.read_text()}"
            time.sleep(0.3)
        yield address, database, log_path
    finally:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


def run_tour(address: str, workdir: Path, readme: str) -> subprocess.CompletedProcess:
    blocks = tour_blocks(readme)
    script = PROLOGUE + "\n".join(block.replace(README_ADDRESS, address) for block in blocks)
    (workdir / "tour.sh").write_text(script)
    return subprocess.run(
        ["bash", str(workdir / "tour.sh")],
        cwd=workdir,
        env={name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_tour_has_blocks_and_names_only_the_default_address():
    readme = (ROOT / "README.md").read_text()
    blocks = tour_blocks(readme)
    assert len(blocks) >= 5
    text = "\n".join(blocks)
    assert README_ADDRESS in text
    # Any other address would not be rewritten to the test's server.
    assert not re.search(r"(127\.0\.0\.1|localhost):(?!8000)\d+", text)


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("curl", "bash", "make")), reason="needs curl and make"
)
def test_the_readme_tour_runs_verbatim_against_make_run(make_run_server, tmp_path):
    address, database, server_log = make_run_server
    workdir = tmp_path / "tour"
    workdir.mkdir()

    tour = run_tour(address, workdir, (ROOT / "README.md").read_text())

    report = f"stdout:\n{tour.stdout[-4000:]}\nstderr:\n{tour.stderr[-4000:]}"
    assert tour.returncode == 0, report
    requests = re.findall(r"^HTTP (\d{3}) (\S+) (\S+)$", tour.stderr, flags=re.M)
    assert len(requests) >= 15, report
    assert all(code.startswith("2") for code, _, _ in requests), report
    # Every role's part was played: the scorecards, the decision and the report.
    paths = [
        (method, re.sub(r"/\d+/", "/{id}/", url.split(address, 1)[1]))
        for _, method, url in requests
    ]
    assert paths.count(("POST", "/api/v1/scorecards/")) == 4, paths
    assert ("POST", "/api/v1/loops/{id}/decision/") in paths, paths
    assert ("GET", "/api/v1/calibration-reports/{id}/chart.png") in paths, paths
    with sqlite3.connect(database) as db:
        statuses = db.execute("SELECT status FROM scoring_calibrationreport").fetchall()
        decisions = db.execute("SELECT status, decision FROM interviews_loop").fetchall()
    assert statuses == [("succeeded",)], report
    assert decisions == [("completed", "hire")], report
    assert "succeeded" in tour.stdout.split(), report
    assert (workdir / "chart.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "interviewer_id,username" in tour.stdout, report
