"""Drives the benchmark; see bench/run. Standard library only."""

import json
import math
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "newsroom"
DATA = ROOT / "bench" / "data"
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 64
THREADS = 2
PASSWORD = "bench passphrase 2026"
SECRET = "benchmark-secret-that-is-long-enough-for-hs256"
# A PostgreSQL URL benchmarks that server's database (seeded when empty);
# anything else, a SQLite file kept in bench/data per scale.
POSTGRES_URL = os.environ.get("NEWSROOM_DATABASE_URL", "")
POSTGRES = POSTGRES_URL.startswith(("postgres://", "postgresql://"))
BACKEND = "PostgreSQL" if POSTGRES else "SQLite"
# Two instances of one site behind nginx, as bench/nginx.conf runs them.
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "1"))
if INSTANCES not in (1, 2) or (INSTANCES == 2 and not POSTGRES):
    sys.exit("BENCH_INSTANCES is 1, or 2 with a postgres:// NEWSROOM_DATABASE_URL (bench/nginx.conf has two upstreams)")
PROXY = "http://127.0.0.1:8080"
NGINX = next((n for n in ("nginx", "/usr/sbin/nginx") if subprocess.run(["sh", "-c", f"command -v {n}"], capture_output=True).returncode == 0), "nginx")
DB = POSTGRES_URL if POSTGRES else str(DATA / f"bench-{SCALE:g}.db")

ENV = dict(
    os.environ,
    NEWSROOM_DATABASE_URL=DB,
    NEWSROOM_JWT_SECRET=SECRET,
    NEWSROOM_MAIL_OUTBOX=str(DATA / "outbox"),
    NEWSROOM_AUTH_RATE_LIMIT="0",
    NEWSROOM_VOTE_RATE_LIMIT="0",
    NEWSROOM_LOG="warn",
)


def call(base, path, method="GET", body=None, token=None):
    request = urllib.request.Request(base + path, method=method)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def seed():
    """Seeds the bench database unless it is there; the seconds it took, or None."""
    DATA.mkdir(parents=True, exist_ok=True)
    if not POSTGRES and Path(DB).exists():
        print(f"reusing {DB}")
        return None
    started = time.time()
    seeding = subprocess.run([BIN, "seed-bench", "--scale", str(SCALE)], env=ENV, stderr=subprocess.PIPE, text=True)
    if seeding.returncode != 0 and "seed-bench needs an empty one" in seeding.stderr:
        print(f"reusing the {BACKEND} database, already seeded")
        return None
    if seeding.returncode != 0:
        sys.exit(seeding.stderr)
    took = time.time() - started
    print(f"seeded in {took:.0f} s")
    return took


def serve(bind, **env):
    server = subprocess.Popen([BIN, "serve", "--bind", bind], env=dict(ENV, **env), stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    if not match:
        server.kill()
        sys.exit(f"the server did not start: {line!r}")
    return server, match.group(1)


def start():
    """The processes under test (servers first) and the base URL to load."""
    if INSTANCES == 1:
        server, base = serve("127.0.0.1:0")
        return [server], base
    servers = [serve(f"127.0.0.1:808{n}", NEWSROOM_TRUSTED_PROXIES="127.0.0.1")[0] for n in (1, 2)]
    prefix = DATA / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    proxy = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(ROOT / "bench" / "nginx.conf")])
    for _ in range(100):
        try:
            call(PROXY, "/readyz")
            return servers + [proxy], PROXY
        except OSError:
            time.sleep(0.05)
    stop(servers + [proxy])
    sys.exit(f"nginx did not answer on {PROXY}; see {prefix / 'nginx-error.log'}")


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait()


def prepare(base):
    """Paths for every scenario: a hot set of slugs, the cursor of page 1,001, tokens."""
    slugs, cursor = [], None
    path = "/api/v1/articles?limit=100"
    for page in range(200):
        body = call(base, path)
        if page < 10:
            slugs += [urllib.parse.quote(item["slug"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
        path = f"/api/v1/articles?limit=100&cursor={cursor}"
    categories = call(base, "/api/v1/categories")["items"]
    parents = {c["parent"] for c in categories if c["parent"]}
    category = next(c["slug"] for c in categories if c["slug"] in parents and c["parent"] is None)
    # Readers and voters are different people: the voters gain thousands of
    # votes a run, and a reader's own votes are remembered up to 5,000, so
    # reading as a voter would measure a different path on every rerun.
    def sign_in(first):
        return [
            call(base, "/api/v1/auth/login", "POST", {"email": f"bench-{i}@example.com", "password": PASSWORD})["access_token"]
            for i in range(first, first + 64)
        ]
    tokens, voters = sign_in(100), sign_in(200)
    articles = call(base, "/api/v1/articles?limit=1&sort=published_at")["items"]
    newest = call(base, "/api/v1/articles?limit=1")["items"]
    return {
        "hot_id": newest[0]["id"] if newest else 1,
        "slugs": slugs,
        "deep_cursor": cursor,
        "category": category,
        "tokens": tokens,
        "voters": voters,
        "max_article_id": max(1, int(SCALE * 100_000)),
        "oldest": articles[0]["slug"] if articles else slugs[0],
    }


LUA = """
local paths, tokens, method, first_id, ids = {}, {}, "%(method)s", %(first_id)d, %(ids)d
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local headers = {}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] end
  if method == "PUT" then
    headers["Content-Type"] = "application/json"
    local value = (math.random() < 0.7) and 1 or -1
    return wrk.format("PUT", "/api/v1/articles/" .. (first_id + math.random(ids) - 1) .. "/vote", headers, '{"value":' .. value .. '}')
  end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def lua_script(name, paths, tokens, method="GET", ids=(1, 1)):
    """A wrk script for GETs of `paths`, or votes (PUT) on the article ids
    from ids[0] on, ids[1] of them; each request as one of `tokens`."""
    folder = DATA / "wrk"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.paths").write_text("\n".join(paths) + "\n")
    (folder / f"{name}.tokens").write_text("\n".join(tokens) + ("\n" if tokens else ""))
    script = folder / f"{name}.lua"
    script.write_text(LUA % {"method": method, "first_id": ids[0], "ids": ids[1], "paths": folder / f"{name}.paths", "tokens": folder / f"{name}.tokens"})
    return script


def rss_kib(pids, field="VmRSS"):
    """Resident memory of the newsroom processes, together: now (VmRSS), or
    the most they ever held (VmHWM, the kernel's high-water mark)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                total += int(line.split()[1])
    return total


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """User and system CPU the processes have used, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def postgres_pids():
    """Every PostgreSQL server process on this machine (the bench shares it)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().split(" (", 1)[1].startswith("postgres)"):
                pids.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    return pids


def database_size():
    if POSTGRES:
        size = subprocess.run(["psql", POSTGRES_URL, "-Atc", "SELECT pg_database_size(current_database())"], capture_output=True, text=True)
        return int(size.stdout.strip() or 0)
    return sum(f.stat().st_size for f in DATA.glob(f"bench-{SCALE:g}.db*"))


def unit_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(base, script, pids, seconds=SECONDS):
    peak = [rss_kib(pids)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pids))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    # PostgreSQL starts a process per connection: its CPU is read from the
    # processes alive at the end, which include every connection's.
    database_pids = postgres_pids() if POSTGRES else []
    cpu_before = (cpu_seconds(pids), cpu_seconds(database_pids))
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), base]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    database_pids = postgres_pids() if POSTGRES else []
    cpu_after = (cpu_seconds(pids), cpu_seconds(database_pids))
    done.set()
    sampler.join()
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    if errors:
        print("  " + "; ".join(line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": unit_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": unit_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "errors": errors,
        "rss_mib": peak[0] / 1024,
        "app_us": 1e6 * (cpu_after[0] - cpu_before[0]) / max(requests, 1),
        "db_us": 1e6 * (cpu_after[1] - cpu_before[1]) / max(requests, 1),
    }


def main():
    seeded = seed()
    processes, base = start()
    servers = [p.pid for p in processes[:INSTANCES]]
    try:
        setup = prepare(base)
        tokens, slugs = setup["tokens"], setup["slugs"]
        scenarios = [
            ("healthz (ceiling)", lua_script("healthz", ["/healthz"], [])),
            ("article by slug (1,000 hot)", lua_script("article", [f"/api/v1/articles/{s}" for s in slugs], [])),
            ("list page 1", lua_script("page1", ["/api/v1/articles"], [])),
            ("list page 1,001 (cursor)", lua_script("deep", [f"/api/v1/articles?cursor={setup['deep_cursor']}"], [])),
            ("list by category + subs", lua_script("category", [f"/api/v1/articles?category={setup['category']}"], [])),
            ("search q=market", lua_script("search", ["/api/v1/articles?q=market"], [])),
            ("related (Check Also)", lua_script("related", [f"/api/v1/articles/{s}/related" for s in slugs[:100]], [])),
            ("site RSS feed (50 articles)", lua_script("rss", ["/feeds/rss.xml"], [])),
            ("article, signed in (my_vote)", lua_script("article_auth", [f"/api/v1/articles/{s}" for s in slugs], tokens)),
            ("list page 1, signed in (my_vote)", lua_script("page1_auth", ["/api/v1/articles"], tokens)),
            ("PUT vote (64 users, all articles)", lua_script("vote", [], setup["voters"], "PUT", (1, setup["max_article_id"]))),
            ("PUT vote (64 users, one hot article)", lua_script("vote_hot", [], setup["voters"], "PUT", (setup["hot_id"], 1))),
        ]
        results = []
        for name, script in scenarios:
            wrk(base, script, servers, seconds=3)
            result = wrk(base, script, servers)
            results.append((name, result))
            print(f"{name:36} {result['rps']:>9.0f} req/s  p50 {result['p50']:6.2f} ms  p99 {result['p99']:6.2f} ms  errors {result['errors']}  RSS {result['rss_mib']:.0f} MiB  CPU/req {result['app_us']:.0f} + {result['db_us']:.0f} µs", flush=True)
        peak_mib = rss_kib(servers, "VmHWM") / 1024
        print(f"peak RSS over the whole run (VmHWM): {peak_mib:.0f} MiB")
    finally:
        stop(processes)
    check = subprocess.run([BIN, "check"], env=ENV, capture_output=True, text=True)
    tallies = "exact" if check.returncode == 0 else "WRONG: " + check.stdout.strip()
    print(f"vote tallies after the run: {tallies}")
    report(results, tallies, peak_mib, seeded)


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    memory = next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return f"{os.cpu_count()} × {cpu}, {int(memory) // 1024 // 1024} GiB; {wrk_version.strip()}; load tool on the same machine"


def report(results, tallies, peak_mib, seeded):
    ceiling = results[0][1]["rps"]
    page1 = next(r for n, r in results if n == "list page 1")
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {BACKEND}"
        f"{', two instances behind nginx' if INSTANCES == 2 else ''}, scale {SCALE:g} "
        f"({int(100_000 * SCALE):,} articles, {int(1_000_000 * SCALE):,} votes), "
        f"`wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s` after a 3 s warm-up per scenario.",
        "",
        f"Machine: {machine()}.",
        "",
        "| scenario | req/s | p50 ms | p99 ms | errors | server RSS MiB | vs ceiling | newsroom CPU µs/req |"
        + (" PostgreSQL CPU µs/req |" if POSTGRES else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if POSTGRES else ""),
    ]
    for name, r in results:
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | {r['rss_mib']:.0f} | {100 * r['rps'] / ceiling:.0f}% | {r['app_us']:.0f} |"
            + (f" {r['db_us']:.0f} |" if POSTGRES else "")
        )
    deep = next(r for n, r in results if n.startswith("list page 1,001"))
    lines += [
        "",
        f"Vote tallies after the run (`newsroom check`): {tallies}. Deep page / page 1 latency (p50): {deep['p50'] / max(page1['p50'], 1e-9):.2f}×. "
        f"Peak RSS of the server{'s' if INSTANCES == 2 else ''} over the whole run (VmHWM): {peak_mib:.0f} MiB. "
        f"Database: {database_size() / 2**20:,.0f} MiB" + (f", seeded in {seeded:.0f} s." if seeded else "."),
    ]
    marker = ("bench:postgres-2" if INSTANCES == 2 else "bench:postgres") if POSTGRES else "bench"
    if SCALE != 1:
        marker += f":scale-{SCALE:g}"
    write_section(marker, "\n".join(lines))
    if POSTGRES and INSTANCES == 1:
        write_section("bench:capacity" + (f":scale-{SCALE:g}" if SCALE != 1 else ""), capacity(results))


# A news site's day as the scenarios above make it: mostly anonymous reads,
# some signed-in readers, few votes. The shares are requests, not readers.
MIX = {
    "article by slug (1,000 hot)": 0.45,
    "list page 1": 0.15,
    "list by category + subs": 0.10,
    "list page 1,001 (cursor)": 0.02,
    "search q=market": 0.03,
    "related (Check Also)": 0.05,
    "site RSS feed (50 articles)": 0.05,
    "article, signed in (my_vote)": 0.08,
    "list page 1, signed in (my_vote)": 0.05,
    "PUT vote (64 users, all articles)": 0.02,
}
# A host is planned to run at this share of its CPU, leaving room for peaks.
BUSY = 0.7
# The default pool of 8, the listener and the two vote writers.
CONNECTIONS_PER_INSTANCE = 8 + 3


def capacity(results):
    """What one PostgreSQL host feeds, from the CPU each request cost here."""
    by_name = dict(results)
    mix_app = sum(share * by_name[name]["app_us"] for name, share in MIX.items())
    mix_db = sum(share * by_name[name]["db_us"] for name, share in MIX.items())
    reads_db = sum(share * by_name[name]["db_us"] for name, share in MIX.items() if not name.startswith("PUT"))
    lines = [
        f"From the run above ({time.strftime('%Y-%m-%d', time.gmtime())}, CPU per request read from /proc for the "
        "newsroom process and every PostgreSQL process). The mix: "
        + ", ".join(f"{100 * share:g}% {name}" for name, share in MIX.items())
        + f"; one mixed request costs {mix_app:.0f} µs of newsroom CPU and {mix_db:.0f} µs of PostgreSQL CPU. "
        f"Hosts planned at {100 * BUSY:.0f}% busy; an app instance is one 2-core machine like this one.",
        "",
        "| PostgreSQL host | mixed req/s it feeds | app instances (2 cores) for that | their connections | votes/s alone | signed-in article reads/s alone |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for cores in (8, 16, 32):
        budget = BUSY * cores * 1e6
        rps = budget / max(mix_db, 1e-9)
        instances = rps * mix_app / (BUSY * 2 * 1e6)
        votes = budget / max(by_name["PUT vote (64 users, all articles)"]["db_us"], 1e-9)
        signed_in = budget / max(by_name["article, signed in (my_vote)"]["db_us"], 1e-9)
        connections = math.ceil(instances) * CONNECTIONS_PER_INSTANCE
        lines.append(f"| {cores} cores | {rps:,.0f} | {instances:,.1f} | {connections:,} | {votes:,.0f} | {signed_in:,.0f} |")
    day = 1_000_000 * 10
    peak = day / 86_400 * 10
    lines += [
        "",
        f"A million readers a day at ten requests each is {day:,} requests, {day / 86_400:,.0f}/s on average and about "
        f"{peak:,.0f}/s at a peak ten times the average: {peak * mix_db / (BUSY * 1e6):.2f} PostgreSQL cores and "
        f"{peak * mix_app / (BUSY * 1e6):.1f} app cores. A read replica would take the reads' share of the database's "
        f"CPU, {100 * reads_db / max(mix_db, 1e-9):.0f}% of it in this mix (the rest is votes, which stay on the primary); "
        "newsroom does not route reads to a replica today, and at these numbers one primary is far from its limit. "
        "What the CPU figures leave out: PostgreSQL's default `max_connections` (100) is reached by ten instances "
        "(raise it, or pool; the listener needs a session of its own, so not PgBouncer's transaction mode for it), "
        "and votes on one hot article queue on its row whatever the host: one instance's batches reached the figure "
        "of the hot-article row above on two cores.",
    ]
    return "\n".join(lines)


def write_section(marker, table):
    """Replaces the text between `marker`'s comments in BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    path.write_text(f"{before}{start}\n{table}\n{end}{after}")
    print("\n" + table)


if __name__ == "__main__":
    main()
