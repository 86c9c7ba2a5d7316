#!/usr/bin/env python3
"""Soak: a mixed load for many minutes, and whether the host's resources stay flat.

Starts the real emulator (release build, managed PostgreSQL with the
project's database/setup.sql) on a throwaway project with the built `users`,
`orders` and `hello` and a Python function `sleepy` that sleeps past its
`timeoutSeconds` of 1 s. For `--minutes` it runs, in a loop:

  load       `emulator storm --json` in turn: GET /users pooled, mode switch
             (POST /_emulator/mode), GET /users direct, switch back,
             POST /orders (a transaction each, 0.01 charged to one user per
             storm; once that user's balance is spent the function answers
             409, its own answer, counted but not a failure), GET /hello;
  timeouts   on a second thread, a few GET /sleepy at once every few seconds
             (each answered 504 function-timeout, its instance killed);

and every `--interval` seconds samples the host's RSS, its open file
descriptors (/proc/PID/fd), its descendant processes (instances and the
database), the instances (GET /_emulator/stats), the database's connections
(`database.connections`) and the pool's clients and server connections.
Instances idle for 15 s are stopped, so instances come and go all along.

At the end it prints the samples over time (one row a minute, or every
sample in short runs), the median of each figure in the first and the last
quarter of the run, and a settle check after the load stops (instances and
the pool's clients back to 0, the host's descriptors back to those it started
with plus the pool's server connections). It exits 1 when a figure grew from the first
quarter to the last by more than its tolerance, when the settle check
fails, or when a request failed other than as expected (sleepy's timeouts,
orders' 409 for a spent balance).

Usage: python3 Benchmarks/soak.py [--minutes 30] [--interval 5] [--concurrency 20] [--scratch-path PATH]
"""
import argparse, http.client, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, build, free_port, raise_open_files_limit, start_emulator, stop

SLEEPY_HANDLER = '''import time


def handle(event, context):
    """Sleeps past the function's timeoutSeconds: every call ends in function-timeout."""
    time.sleep(5)
    return {"statusCode": 200, "body": "too late"}
'''

# figure: (relative growth allowed, absolute growth allowed) from the first quarter's median to the last's.
# The host holds 4 descriptors per instance, so its fds move with the instance count from phase to phase
# and get the same tolerance; a leak shows in the settle check, where fds must fall back with the instances.
TOLERANCES = {
    "rss_mb": (0.15, 16.0),
    "fds": (0.25, 10),
    "processes": (0.25, 10),
    "instances": (0.25, 10),
    "db_connections": (0.25, 5),
    "pool_clients": (0.25, 10),
    "pool_servers": (0.0, 0),
}
COLUMNS = ("rss_mb", "fds", "processes", "instances", "db_connections", "pool_clients", "pool_servers")


def request(port, method, path, body=None, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, response.getheader("X-Emulator-Failure"), response.read()
    finally:
        connection.close()


def descendants(pid):
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                found += kids
                frontier += kids
        except OSError:
            pass
    return found


def sample(host_pid, port, started):
    """One row of figures; None for a figure that could not be read."""
    row = {"t": time.monotonic() - started}
    with open(f"/proc/{host_pid}/status") as f:
        row["rss_mb"] = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    row["fds"] = len(os.listdir(f"/proc/{host_pid}/fd"))
    row["processes"] = len(descendants(host_pid))
    _, _, body = request(port, "GET", "/_emulator/stats")
    stats = json.loads(body)
    row["instances"] = sum(f["instances"]["total"] for f in stats["functions"].values())
    row["db_connections"] = (stats.get("database") or {}).get("connections")
    pool = stats.get("pool") or {}
    row["pool_clients"] = pool.get("clientConnections", {}).get("active")
    servers = pool.get("serverConnections", {})
    row["pool_servers"] = sum(servers.get(k, 0) for k in ("active", "idle", "connecting")) if servers else None
    row["pool_max"] = servers.get("max")
    return row


class Tally:
    """Requests and failures by route and cause, from every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.routes = {}

    def add(self, route, requests, causes):
        with self.lock:
            entry = self.routes.setdefault(route, {"requests": 0, "causes": {}})
            entry["requests"] += requests
            for cause, count in causes.items():
                entry["causes"][cause] = entry["causes"].get(cause, 0) + count


def make_project(max_connections):
    project = tempfile.mkdtemp(prefix="bench-soak-")
    os.chmod(project, 0o755)  # the managed server runs as postgres when we are root
    for name in ("users", "orders", "hello"):
        os.makedirs(os.path.join(project, "Functions", name))
        open(os.path.join(project, "Functions", name, "main.swift"), "w").write(f"// the built {name} product\n")
    sleepy = os.path.join(project, "Functions", "sleepy")
    os.makedirs(sleepy)
    shutil.copy(os.path.join(ROOT, "Functions", "hello-python", "bootstrap"), sleepy)
    open(os.path.join(sleepy, "handler.py"), "w").write(SLEEPY_HANDLER)
    os.makedirs(os.path.join(project, "database"))
    shutil.copy(os.path.join(ROOT, "database", "setup.sql"), os.path.join(project, "database", "setup.sql"))
    os.chmod(os.path.join(project, "database"), 0o755)
    config = {
        "database": {"managed": {"port": free_port(), "maxConnections": max_connections},
                     "setup": "database/setup.sql"},
        "pool": {"port": free_port(), "maxServerConnections": 10},
        "sqlOverHTTP": {"port": free_port()},
        "defaults": {"idleTimeoutSeconds": 15},
        "functions": {
            "users": {"routes": ["GET /users"], "environment": {"PAGE_SIZE": "10"}},
            "orders": {"routes": ["POST /orders"]},
            "hello": {"routes": ["GET /hello"]},
            "sleepy": {"routes": ["GET /sleepy"], "handler": "handler.handle", "timeoutSeconds": 1},
        },
    }
    config_file = os.path.join(project, "runtime.json")
    json.dump(config, open(config_file, "w"))
    return project, config_file


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--interval", type=float, default=5, help="seconds between samples")
    parser.add_argument("--concurrency", type=int, default=20, help="callers of each storm (orders: half)")
    parser.add_argument("--phase-seconds", type=float, default=15, help="length of each storm")
    parser.add_argument("--max-connections", type=int, default=40, help="the managed database's max_connections")
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    args = parser.parse_args()
    raise_open_files_limit()
    bin_dir = build("release", args.scratch_path, products=("emulator", "users", "orders", "hello"))
    project, config_file = make_project(args.max_connections)
    host, port, log = start_emulator(bin_dir, config_file)
    target = f"http://127.0.0.1:{port}"
    tally, samples, errors = Tally(), [], []
    started = time.monotonic()
    deadline = started + args.minutes * 60
    done = threading.Event()

    def storm(method, path, concurrency, body=None):
        command = [os.path.join(bin_dir, "emulator"), "storm", method, path, "--concurrency", str(concurrency),
                   "--duration", str(args.phase_seconds), "--json", "--target", target, "--config", config_file]
        if body is not None:
            command += ["--body", json.dumps(body)]
        report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        tally.add(f"{method} {path}", report["requests"], report["failuresByCause"])

    def set_mode(mode):
        status, _, body = request(port, "POST", "/_emulator/mode", {"mode": mode})
        if status != 200:
            raise RuntimeError(f"POST /_emulator/mode {mode}: {status} {body!r}")
        tally.add("mode switches", 1, {})

    def load():
        cycle = 0
        while time.monotonic() < deadline:
            storm("GET", "/users", args.concurrency)
            set_mode("direct")
            storm("GET", "/users", args.concurrency)
            set_mode("pooled")
            storm("POST", "/orders", max(1, args.concurrency // 2), {"userId": cycle % 500 + 1, "amount": 0.01})
            storm("GET", "/hello", args.concurrency)
            cycle += 1

    def timeouts():
        while not done.wait(7):
            callers = []
            for _ in range(3):
                def call():
                    try:
                        status, cause, _ = request(port, "GET", "/sleepy", timeout=30)
                        tally.add("GET /sleepy", 1, {} if status == 200 else {cause or f"http-{status}": 1})
                    except OSError as error:
                        tally.add("GET /sleepy", 1, {f"connection-error ({error})": 1})
                callers.append(threading.Thread(target=call))
                callers[-1].start()
            for caller in callers:
                caller.join()

    def sampler():
        while not done.is_set():
            try:
                samples.append(sample(host.pid, port, started))
            except (OSError, ValueError, KeyError) as error:
                errors.append(f"sample at {time.monotonic() - started:.0f} s: {error}")
            done.wait(args.interval)

    threads = [threading.Thread(target=timeouts, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for thread in threads:
        thread.start()
    settled = None
    try:
        try:
            load()
        except (subprocess.CalledProcessError, RuntimeError, OSError) as error:
            errors.append(f"load stopped: {error}: {getattr(error, 'stderr', '')}")
        done.set()
        for thread in threads:
            thread.join()
        # settle: with the load gone, instances are stopped after their idle timeout and the pool has no clients
        settle_deadline = time.monotonic() + 90
        while time.monotonic() < settle_deadline:
            settled = sample(host.pid, port, started)
            if settled["instances"] == 0 and settled["pool_clients"] == 0:
                break
            time.sleep(2)
    finally:
        stop(host)
        shutil.rmtree(project, ignore_errors=True)
    return report(args, samples, settled, tally, errors, log)


def report(args, samples, settled, tally, errors, log):
    load_average = os.getloadavg()
    print(f"soak: {args.minutes:g} min, concurrency {args.concurrency}, storms of {args.phase_seconds:g} s, "
          f"sample every {args.interval:g} s, max_connections {args.max_connections}, pool of 10, release build, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average at the end "
          f"{load_average[0]:.2f} {load_average[1]:.2f} {load_average[2]:.2f}")
    print()
    print(f"{'min':>6} " + " ".join(f"{c:>14}" for c in COLUMNS))
    step = max(1, int(round(60 / args.interval))) if args.minutes > 5 else 1
    for row in samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else []):
        print(f"{row['t'] / 60:>6.1f} " + " ".join(format_value(row[c]) for c in COLUMNS))
    print()
    failed = []
    if len(samples) >= 8:
        quarter = len(samples) // 4
        first, last = samples[:quarter], samples[-quarter:]
        print(f"{'figure':<16} {'first quarter':>14} {'last quarter':>14} {'max':>10}  verdict (median; tolerance)")
        for column in COLUMNS:
            a = median([r[column] for r in first])
            b = median([r[column] for r in last])
            peak = max((r[column] for r in samples if r[column] is not None), default=None)
            relative, absolute = TOLERANCES[column]
            limit = None if a is None else a * (1 + relative) + absolute
            grew = a is not None and b is not None and b > limit
            if column == "pool_servers":
                pool_max = samples[0].get("pool_max")
                grew = peak is not None and pool_max is not None and peak > pool_max
                verdict = f"{'ABOVE' if grew else 'within'} pool max {pool_max}"
            else:
                verdict = f"{'GREW' if grew else 'flat'} (limit {limit:.1f}: +{relative:.0%} +{absolute:g})" \
                    if limit is not None else "no data"
            if grew:
                failed.append(column)
            print(f"{column:<16} {format_value(a)} {format_value(b)} {format_value(peak, 10)}  {verdict}")
    else:
        failed.append("too few samples")
        print(f"only {len(samples)} samples: too few to compare quarters")
    print()
    if settled is not None:
        # Without instances and clients the host keeps only its start's descriptors and the pool's server connections.
        ok = (settled["instances"] == 0 and settled["pool_clients"] == 0
              and settled["fds"] <= samples[0]["fds"] + settled["pool_servers"] + 5)
        print(f"after the load: instances {settled['instances']}, pool clients {settled['pool_clients']}, "
              f"database connections {settled['db_connections']}, pool server connections "
              f"{settled['pool_servers']}, fds {settled['fds']}, processes {settled['processes']}, "
              f"RSS {settled['rss_mb']:.1f} MB: {'settled' if ok else 'NOT settled'}")
        if not ok:
            failed.append("settle")
    print()
    print(f"{'route':<16} {'requests':>9}  failures by cause")
    for route, entry in sorted(tally.routes.items()):
        print(f"{route:<16} {entry['requests']:>9}  {entry['causes'] or '-'}")
        unexpected = {c: n for c, n in entry["causes"].items()
                      if not (route == "GET /sleepy" and c == "function-timeout")
                      and not (route == "POST /orders" and c == "http-409")}
        if unexpected:
            failed.append(f"{route} failures")
        if route == "GET /sleepy" and entry["causes"].get("function-timeout", 0) != entry["requests"]:
            failed.append("GET /sleepy not all timed out")
    for error in errors:
        print("error:", error)
    if errors:
        failed.append("errors")
        print("host log, last lines:\n" + "".join(log[-20:]))
    print()
    print("result:", "FAILED: " + ", ".join(failed) if failed else "flat")
    return 1 if failed else 0


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def format_value(value, width=14):
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.1f}" if isinstance(value, float) else f"{value:>{width}}"


if __name__ == "__main__":
    sys.exit(main())
