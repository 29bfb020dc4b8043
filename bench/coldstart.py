"""Cold start: from process start to the first 200 on /healthz, and to the
first list page, on the bench database (bench/run seeds it). Runs the
release binary RUNS times and prints the median and the worst.
Usage: python3 bench/coldstart.py [RUNS]; NEWSROOM_DATABASE_URL=postgres://… for PostgreSQL."""

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "newsroom"
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
URL = os.environ.get("NEWSROOM_DATABASE_URL", "")
DB = URL if URL.startswith(("postgres://", "postgresql://")) else str(ROOT / "bench" / "data" / f"bench-{SCALE:g}.db")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
BIND = "127.0.0.1:18777"


def first_ok(path, started):
    while True:
        try:
            with urllib.request.urlopen(f"http://{BIND}{path}", timeout=5) as response:
                if response.status == 200:
                    response.read()
                    return (time.perf_counter() - started) * 1000
        except OSError:
            time.sleep(0.001)


def main():
    env = dict(os.environ, NEWSROOM_DATABASE_URL=DB, NEWSROOM_JWT_SECRET="benchmark-secret-that-is-long-enough-for-hs256", NEWSROOM_LOG="warn")
    healthz, listing = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        server = subprocess.Popen([BIN, "serve", "--bind", BIND], env=env, stdout=subprocess.DEVNULL)
        try:
            healthz.append(first_ok("/healthz", started))
            listing.append(first_ok("/api/v1/articles", started))
        finally:
            server.terminate()
            server.wait()
    for name, times in (("first 200 on /healthz", healthz), ("first list page", listing)):
        print(f"{name}: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms over {RUNS} starts")


if __name__ == "__main__":
    main()
