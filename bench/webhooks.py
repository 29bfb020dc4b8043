"""Webhook throughput (issue #27): 1,000 articles published in a burst (16
clients at once) against the release binary, each announced to a local
receiver. Prints events per second through to the receiver and the delay
from each publish's 201 to its event's arrival (p50, p99, max), for
BENCHMARKS.md.

Usage: python3 bench/webhooks.py   (after `cargo build --release`)
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
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "newsroom"
BIND = "127.0.0.1:18779"
BASE = f"http://{BIND}"
RECEIVER = ("127.0.0.1", 18780)
PASSWORD = "a long benchmark passphrase"
ARTICLES = 1000
CLIENTS = 16

arrived = {}
arrived_lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with arrived_lock:
            arrived.setdefault(body["data"]["id"], time.perf_counter())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


class Listener(ThreadingHTTPServer):
    # socketserver's default backlog is 5: the dispatcher's 16 concurrent
    # sends overflowed it, and each dropped SYN cost a 1 s retransmission,
    # which the first run measured as the server's (14 events/s).
    request_queue_size = 256


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_ready():
    for _ in range(500):
        try:
            if call("GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.01)
    raise SystemExit("the server did not start")


def percentile(values, share):
    return values[min(len(values) - 1, int(len(values) * share))]


def main():
    receiver = Listener(RECEIVER, Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as work:
        env = dict(
            os.environ,
            NEWSROOM_DATABASE_URL=os.environ.get("NEWSROOM_DATABASE_URL", f"{work}/bench.db"),
            NEWSROOM_JWT_SECRET="benchmark-secret-that-is-long-enough-for-hs256",
            NEWSROOM_MAIL_OUTBOX=f"{work}/outbox",
            NEWSROOM_AUTH_RATE_LIMIT="0",
            NEWSROOM_WEBHOOK_ALLOW_PRIVATE="true",
            NEWSROOM_LOG="error",
        )
        subprocess.run(
            [BIN, "create-user", "--email", "admin@bench.example", "--display-name", "Admin", "--role", "admin", "--password-stdin"],
            input=PASSWORD.encode(), env=env, check=True, stdout=subprocess.DEVNULL,
        )
        server = subprocess.Popen([BIN, "serve", "--bind", BIND], env=env)
        try:
            wait_ready()
            status, payload = call("POST", "/api/v1/auth/login", {"email": "admin@bench.example", "password": PASSWORD})
            admin = json.loads(payload)["access_token"]
            hook = {"url": f"http://{RECEIVER[0]}:{RECEIVER[1]}/hook", "events": ["article.published"]}
            status, payload = call("POST", "/api/v1/admin/webhooks", hook, admin)
            assert status == 201, payload

            acknowledged = {}

            def publish(n):
                status, payload = call("POST", "/api/v1/articles", {"title": f"Burst {n}", "body": "Words.", "status": "published"}, admin)
                assert status == 201, payload
                acknowledged[json.loads(payload)["id"]] = time.perf_counter()

            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(publish, range(ARTICLES)))
            published = time.perf_counter()
            deadline = time.time() + 300
            while len(arrived) < ARTICLES and time.time() < deadline:
                time.sleep(0.01)
            assert len(arrived) == ARTICLES, f"{len(arrived)} of {ARTICLES} arrived"
            last = max(arrived.values())
            delays = sorted((arrived[id] - acknowledged[id]) * 1000 for id in acknowledged)
            backend = "PostgreSQL" if env["NEWSROOM_DATABASE_URL"].startswith("postgres") else "SQLite"
            print(f"{backend}: {ARTICLES} articles published by {CLIENTS} clients in {published - started:.2f} s "
                  f"({ARTICLES / (published - started):.0f}/s); every event arrived {last - started:.2f} s after the first "
                  f"publish: {ARTICLES / (last - started):.0f} events/s through to the receiver")
            print(f"publish 201 -> event received: p50 {statistics.median(delays):.1f} ms, "
                  f"p99 {percentile(delays, 0.99):.1f} ms, max {delays[-1]:.1f} ms")
        finally:
            server.terminate()
            server.wait()
            receiver.shutdown()


if __name__ == "__main__":
    main()
