"""Public results under load: requests per second of /rezultate pages against a bare Flask page.

    make bench                       # runs this after the other benches
    BENCH_WRK_SECONDS=10 .venv/bin/python scripts/bench_results_wrk.py

Both are served the same way — waitress (what `flask --app portal serve` uses), one process,
BENCH_WRK_THREADS threads (default 4) — on 127.0.0.1, and loaded in turn by
`wrk -t2 -c20 -d<seconds>s` (wrk shares the two cores with the server: compare the ratio, not the
absolute numbers). The app runs on an embedded SQLite database with the whole demo; the bare page
is a Flask app with one route returning a fixed HTML body as long as the results page, so both
send the same bytes. The results pages come from the results cache while the records do not
change; each request still checks the records' version in the database. Goal: ratio ≥ 0.5.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
THREADS = int(os.environ.get("BENCH_WRK_THREADS", "4"))
GOAL = 0.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(kind: str, port: int, folder: str, body_bytes: int) -> None:
    """The server process: the Comunitar app on the prepared database, or the bare page."""
    from waitress import serve as waitress_serve

    if kind == "bare":
        from flask import Flask

        bare = Flask("bare")
        body = "<!doctype html><title>bare</title>" + "x" * max(body_bytes - 34, 0)

        @bare.get("/")
        def page():
            return body

        app = bare
    else:
        from portal import create_app

        app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                          "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"})
    waitress_serve(app, host="127.0.0.1", port=port, threads=THREADS, _quiet=True)


def prepare(folder: str) -> list[str]:
    """Migrate and load the whole demo; the paths of the public results pages to load."""
    from sqlalchemy import select

    from portal import create_app
    from portal.db import make_engine
    from portal.demo import load_demo
    from portal.domain.projects.models import Project
    from portal.extensions import db
    from portal.migrations import upgrade

    url = f"sqlite:///{folder}/bench.sqlite3"
    upgrade(make_engine(url))
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        load_demo(db.session, with_people=True)
        db.session.commit()
        code = db.session.scalar(select(Project.code).where(Project.is_public.is_(True)).order_by(Project.code))
    return ["/rezultate", f"/rezultate/{code}", f"/rezultate/{code}.json"]


def start(kind: str, folder: str, body_bytes: int = 0) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(port), folder, str(body_bytes)],
                               cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the {kind} server did not start")


def wrk(port: int, path: str) -> tuple[float, str]:
    output = subprocess.run(["wrk", "-t2", "-c20", f"-d{SECONDS}s", "--latency", f"http://127.0.0.1:{port}{path}"],
                            capture_output=True, text=True, check=True, timeout=SECONDS + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+(\S+)", output)
    note = (f"p99 {p99.group(1)}" if p99 else "") + (f", {errors.group(1)} non-2xx" if errors else "")
    return rate, note


def main() -> None:
    if shutil.which("wrk") is None:
        print("Results under wrk: skipped (wrk is not installed: apt-get install -y wrk)")
        return
    began = time.perf_counter()
    folder = tempfile.mkdtemp(prefix="comunitar-wrk-")
    try:
        paths = prepare(folder)
        app_process, app_port = start("app", folder)
        try:
            sizes = {path: len(urllib.request.urlopen(f"http://127.0.0.1:{app_port}{path}").read()) for path in paths}
            results = {path: wrk(app_port, path) for path in paths}
        finally:
            app_process.terminate()
            app_process.wait(10)
        print(f"Results under wrk: waitress, {THREADS} threads, wrk -t2 -c20 -d{SECONDS}s, SQLite demo "
              f"(goal: ratio ≥ {GOAL})")
        print(f"   {'path':<28}{'bytes':>8}{'req/s':>9}{'bare req/s':>12}{'ratio':>7}  notes")
        for path in paths:
            bare_process, bare_port = start("bare", folder, sizes[path])
            try:
                bare_rate, _note = wrk(bare_port, "/")
            finally:
                bare_process.terminate()
                bare_process.wait(10)
            rate, note = results[path]
            ratio = rate / bare_rate
            flag = "" if ratio >= GOAL else " !"
            print(f"   {path:<28}{sizes[path]:>8}{rate:>9.0f}{bare_rate:>12.0f}{ratio:>7.2f}{flag}  {note}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"   ({time.perf_counter() - began:.0f} s; '!' marks a ratio under the goal)")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    else:
        main()
