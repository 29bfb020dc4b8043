"""Deeply nested bodies against the release binary (security round three):
the review's 200 KB body of nested block quotes from a reader (refused) and
from an author (stored), raw HTML nested 40,000 deep (refused), and /healthz
latency while 8 such writes run at once. Prints a table for BENCHMARKS.md.

Usage: python3 bench/nested.py   (after `cargo build --release`)
Runs on a temporary SQLite file, or on NEWSROOM_DATABASE_URL=postgres://…
(an empty database of its own)."""

import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "newsroom"
BIND = "127.0.0.1:18778"
BASE = f"http://{BIND}"
PASSWORD = "a long benchmark passphrase"
QUOTES = ">" * 199_998 + " x"
DIVS = "<div>" * 40_000


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    return status, payload, (time.perf_counter() - started) * 1000


def token(email):
    status, payload, _ = call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, payload
    return json.loads(payload)["access_token"]


def wait_ready():
    for _ in range(500):
        try:
            if call("GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.01)
    raise SystemExit("the server did not start")


def median_of(runs, method, path, body, token_value, expected):
    times = []
    for _ in range(runs):
        status, payload, took = call(method, path, body, token_value)
        assert status == expected, (status, payload[:200])
        times.append(took)
    return statistics.median(times), max(times)


def main():
    with tempfile.TemporaryDirectory() as work:
        env = dict(
            os.environ,
            NEWSROOM_DATABASE_URL=os.environ.get("NEWSROOM_DATABASE_URL", f"{work}/bench.db"),
            NEWSROOM_JWT_SECRET="benchmark-secret-that-is-long-enough-for-hs256",
            NEWSROOM_MAIL_OUTBOX=f"{work}/outbox",
            NEWSROOM_AUTH_RATE_LIMIT="0",
            NEWSROOM_LOG="error",
        )
        for email, role in (("author@bench.example", "author"), ("editor@bench.example", "editor")):
            subprocess.run(
                [BIN, "create-user", "--email", email, "--display-name", role, "--role", role, "--password-stdin"],
                input=PASSWORD.encode(), env=env, check=True, stdout=subprocess.DEVNULL,
            )
        server = subprocess.Popen([BIN, "serve", "--bind", BIND], env=env)
        try:
            wait_ready()
            author, editor = token("author@bench.example"), token("editor@bench.example")
            status, payload, _ = call("POST", "/api/v1/auth/register", {"email": "reader@bench.example", "password": PASSWORD, "display_name": "Reader"})
            reader = json.loads(payload)["access_token"]
            status, payload, _ = call("POST", "/api/v1/articles", {"title": "Calm", "body": "Calm words.", "status": "published"}, author)
            article = json.loads(payload)["id"]
            rows = [
                ("reader PATCHes 200 KB of nested quotes (403)", *median_of(5, "PATCH", f"/api/v1/articles/{article}", {"body": QUOTES}, reader, 403)),
                ("author POSTs 200 KB of nested quotes (201, nesting capped)", *median_of(5, "POST", "/api/v1/articles", {"title": "Deep", "body": QUOTES}, author, 201)),
                ("author POSTs <div> x 40,000 (422)", *median_of(5, "POST", "/api/v1/articles", {"title": "Deep", "body": DIVS}, author, 422)),
                ("editor PUTs a page of nested quotes (201/200)", *median_of(1, "PUT", "/api/v1/pages/deep", {"title": "Deep", "body": QUOTES}, editor, 201)),
            ]
            healthz, done = [], threading.Event()

            def writer(n):
                call("POST", "/api/v1/articles", {"title": f"Deep {n}", "body": QUOTES}, author)

            writers = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
            for thread in writers:
                thread.start()
            while any(thread.is_alive() for thread in writers):
                healthz.append(call("GET", "/healthz")[2])
            for thread in writers:
                thread.join()
            healthz.sort()
            p99 = healthz[min(len(healthz) - 1, int(len(healthz) * 0.99))]
            print("| request | median ms | worst ms |\n|---|---:|---:|")
            for name, median, worst in rows:
                print(f"| {name} | {median:.1f} | {worst:.1f} |")
            print(f"\n/healthz while 8 nested POSTs ran: {len(healthz)} requests, p50 {statistics.median(healthz):.2f} ms, p99 {p99:.2f} ms, max {healthz[-1]:.2f} ms")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
