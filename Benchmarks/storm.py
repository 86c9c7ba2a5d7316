#!/usr/bin/env python3
"""The storm of `GET /users` at three times the database's max_connections, pooled versus direct.

Starts the real emulator (release build, managed PostgreSQL with the
project's database/setup.sql) on a throwaway project whose function is the
built `users`, and runs `emulator storm GET /users --concurrency 3*max
--requests N --json --target ...` in alternating rounds, switching the mode
with POST /_emulator/mode between them (which recycles the warm instances, so
every round starts cold in both modes alike). Prints per mode the median wall
time of the storm command, p50 and p99, failures, peak instances and peak
database connections, and the ratio direct/pooled.

Usage: python3 Benchmarks/storm.py [--max-connections 40] [--requests 1200] [--rounds 3] [--scratch-path PATH]
"""
import argparse, http.client, json, os, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, build, free_port, raise_open_files_limit, start_emulator, stop

MODES = ("pooled", "direct")


def set_mode(port, mode):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/_emulator/mode", json.dumps({"mode": mode}), {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"POST /_emulator/mode {mode}: {response.status}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-connections", type=int, default=40, help="the managed database's max_connections")
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    args = parser.parse_args()
    raise_open_files_limit()
    concurrency = 3 * args.max_connections
    bin_dir = build("release", args.scratch_path, products=("emulator", "users"))
    project = tempfile.mkdtemp(prefix="bench-storm-")
    os.chmod(project, 0o755)  # the managed server runs as postgres when we are root
    os.makedirs(os.path.join(project, "Functions", "users"))
    os.makedirs(os.path.join(project, "database"))
    open(os.path.join(project, "Functions", "users", "main.swift"), "w").write("// the built users product\n")
    shutil.copy(os.path.join(ROOT, "database", "setup.sql"), os.path.join(project, "database", "setup.sql"))
    os.chmod(os.path.join(project, "database"), 0o755)
    config = {
        "database": {"managed": {"port": free_port(), "maxConnections": args.max_connections},
                     "setup": "database/setup.sql"},
        "pool": {"port": free_port(), "maxServerConnections": 10},
        "functions": {"users": {"routes": ["GET /users"], "idleTimeoutSeconds": 600,
                                "environment": {"PAGE_SIZE": "10"}}},
    }
    config_file = os.path.join(project, "runtime.json")
    json.dump(config, open(config_file, "w"))
    host, port, _ = start_emulator(bin_dir, config_file)
    results = {}
    try:
        for _ in range(args.rounds):  # alternate, so drift and other load hit both alike
            for mode in MODES:
                set_mode(port, mode)
                started = time.perf_counter()
                output = subprocess.run(
                    [os.path.join(bin_dir, "emulator"), "storm", "GET", "/users", "--concurrency", str(concurrency),
                     "--requests", str(args.requests), "--json", "--target", f"http://127.0.0.1:{port}",
                     "--config", config_file],
                    check=True, capture_output=True, text=True).stdout
                wall = time.perf_counter() - started
                results.setdefault(mode, []).append((wall, json.loads(output)))
    finally:
        stop(host)
        shutil.rmtree(project, ignore_errors=True)

    print(f"storm GET /users, concurrency {concurrency} (3 x max_connections {args.max_connections}), "
          f"{args.requests} requests per run, {args.rounds} alternating rounds, pool of 10, release build, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    print(f"{'mode':<7} {'wall s':>7} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'peak inst':>9} {'peak db':>7}  causes")
    walls = {}
    for mode in MODES:
        runs = results[mode]
        walls[mode] = statistics.median(w for w, _ in runs)
        reports = [r for _, r in runs]
        causes = {}
        for report in reports:
            for cause, count in report["failuresByCause"].items():
                causes[cause] = causes.get(cause, 0) + count

        def median(key):
            values = [r[key] for r in reports if r[key] is not None]
            return statistics.median(values) if values else float("nan")

        print(f"{mode:<7} {walls[mode]:>7.2f} {median('p50Ms'):>8.1f} {median('p99Ms'):>8.1f} "
              f"{sum(r['failed'] for r in reports):>7} {median('peakInstances'):>9.0f} "
              f"{median('peakDatabaseConnections'):>7.0f}  {causes or '-'}")
    print(f"ratio wall direct/pooled {walls['direct'] / walls['pooled']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
