"""Media (issue #26) against the release binary on a temporary SQLite file:

- a 24-megapixel JPEG (6000 x 4000) uploaded: time to 201 and the server's
  peak memory (VmHWM) before and after;
- uploads per second of 2-megapixel JPEGs, 4 clients at once;
- GET /media/{key} (a 1024-wide copy) and /healthz, with wrk, 64 connections.

Usage: python3 bench/media.py   (after `cargo build --release`; needs wrk)
The test images are made with Pillow in a virtualenv under ~/.cache/newsroom."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "newsroom"
BIND = "127.0.0.1:18781"
BASE = f"http://{BIND}"
PASSWORD = "a long benchmark passphrase"
VENV = Path.home() / ".cache/newsroom/bench-venv"
MAKE_IMAGES = """
import random, sys
from PIL import Image, ImageDraw, ImageFilter
folder, count = sys.argv[1], int(sys.argv[2])
def photo(width, height, seed):
    random.seed(seed)
    image = Image.effect_noise((width // 4, height // 4), 60).convert("RGB").resize((width, height))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, r = random.randrange(width), random.randrange(height), random.randrange(20, width // 8)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(random.randrange(256) for _ in range(3)))
    return image.filter(ImageFilter.GaussianBlur(2))
photo(6000, 4000, 0).save(f"{folder}/24mp.jpg", quality=90)
for n in range(count):
    photo(1732, 1155, n + 1).save(f"{folder}/2mp-{n}.jpg", quality=85)
"""
UPLOADS = 40
CLIENTS = 4


def python_with_pillow():
    python = VENV / "bin/python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "Pillow==13.0.0"], check=True)
    return python


def call(method, path, body=None, token=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", content_type)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def upload(path, token):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    status, payload = call("POST", "/api/v1/media", body, token, f"multipart/form-data; boundary={boundary}")
    assert status == 201, payload
    return json.loads(payload)


def peak_kib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))


def wrk(path):
    output = subprocess.run(["wrk", "-t2", "-c64", "-d10s", "--latency", BASE + path],
                            capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    return rate, p99


def wait_ready():
    for _ in range(500):
        try:
            if call("GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.01)
    raise SystemExit("the server did not start")


def main():
    with tempfile.TemporaryDirectory() as work:
        images = Path(work) / "images"
        images.mkdir()
        subprocess.run([python_with_pillow(), "-c", MAKE_IMAGES, images, str(UPLOADS)], check=True)
        big = images / "24mp.jpg"
        env = dict(
            os.environ,
            NEWSROOM_DATABASE_URL=f"{work}/bench.db",
            NEWSROOM_MEDIA_STORE=f"{work}/media",
            NEWSROOM_JWT_SECRET="benchmark-secret-that-is-long-enough-for-hs256",
            NEWSROOM_MAIL_OUTBOX=f"{work}/outbox",
            NEWSROOM_AUTH_RATE_LIMIT="0",
            NEWSROOM_LOG="error",
        )
        subprocess.run(
            [BIN, "create-user", "--email", "author@bench.example", "--display-name", "Author", "--role", "author",
             "--password-stdin"],
            input=PASSWORD.encode(), env=env, check=True, stdout=subprocess.DEVNULL,
        )
        server = subprocess.Popen([BIN, "serve", "--bind", BIND], env=env)
        try:
            wait_ready()
            status, payload = call("POST", "/api/v1/auth/login", {"email": "author@bench.example", "password": PASSWORD})
            token = json.loads(payload)["access_token"]
            idle = peak_kib(server.pid)
            started = time.perf_counter()
            media = upload(big, token)
            took = time.perf_counter() - started
            peak = peak_kib(server.pid)
            print(f"24 MP JPEG ({big.stat().st_size / 1e6:.1f} MB): 201 in {took:.2f} s, "
                  f"{len(media['variants'])} copies; server peak memory {idle / 1024:.0f} MiB idle -> "
                  f"{peak / 1024:.0f} MiB after (+{(peak - idle) / 1024:.0f} MiB)")

            smaller = [images / f"2mp-{n}.jpg" for n in range(UPLOADS)]
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(lambda path: upload(path, token), smaller))
            took = time.perf_counter() - started
            print(f"{UPLOADS} uploads of 2 MP JPEGs by {CLIENTS} clients: {UPLOADS / took:.1f} uploads/s "
                  f"(peak memory now {peak_kib(server.pid) / 1024:.0f} MiB)")

            copy = next(v for v in media["variants"] if v["width"] == 1024 and v["content_type"] == "image/jpeg")
            key_path = "/media/" + copy["url"].split("/media/", 1)[1]
            file_rate, file_p99 = wrk(key_path)
            health_rate, health_p99 = wrk("/healthz")
            print(f"GET {key_path.split('/')[-1]} ({copy['width']} wide): {file_rate:,.0f} req/s (p99 {file_p99}); "
                  f"/healthz {health_rate:,.0f} req/s (p99 {health_p99}): {file_rate / health_rate:.0%} of /healthz")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
