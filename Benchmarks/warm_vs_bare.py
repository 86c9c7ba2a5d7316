#!/usr/bin/env python3
"""Warm invocations of the Swift `hello` through the emulator versus a bare Hummingbird server.

Starts the real emulator (release build) on a throwaway project whose only
function is the built `hello`, and the minimal Hummingbird server of
Benchmarks/BareServer answering the same path with the very body `hello`
returned. Warms the emulator up (one instance per connection), then runs
`wrk` against each in alternating rounds and prints median req/s, p50 and
p99 of each and the ratio emulator/bare; and, steadier than req/s on a loaded
machine, the CPU time each spent per request (the emulator's counts its
instances too), read from /proc around each run.

Usage: python3 Benchmarks/warm_vs_bare.py [--connections 10,50] [--seconds 10] [--rounds 3]
         [--scratch-path PATH]
Needs: a Swift toolchain and wrk (Debian: apt-get install wrk).
"""
import argparse, http.client, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import build, cpu_seconds, free_port, start_emulator, stop

BARE_PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "BareServer")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url, connections, seconds, server_pid):
    """One wrk run; returns (requests/s, p50 ms, p99 ms, non-2xx or socket errors,
    the server's CPU microseconds per request)."""
    cpu_before = cpu_seconds(server_pid, children=True)
    output = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
                            check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(server_pid, children=True) - cpu_before
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))

    def latency(label):
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * UNITS[unit]

    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return rate, latency("50"), latency("99"), errors, cpu * 1e6 / max(requests, 1)


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def start_bare(port, path, body):
    bin_dir = build("release", products=("BareServer",), cwd=BARE_PACKAGE)
    process = subprocess.Popen([os.path.join(bin_dir, "BareServer"), str(port), path, body],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if get(port, path)[0] == 200:
                return process
        except OSError:
            time.sleep(0.05)
    stop(process)
    raise SystemExit("BareServer did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", default="10,50", help="wrk connection counts, comma-separated")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scratch-path", help="SwiftPM build directory of the emulator (default: .build)")
    args = parser.parse_args()
    connection_counts = [int(c) for c in args.connections.split(",")]

    bin_dir = build("release", args.scratch_path, products=("emulator", "hello"))
    project = tempfile.mkdtemp(prefix="bench-warm-")
    os.makedirs(os.path.join(project, "Functions", "hello"))
    open(os.path.join(project, "Functions", "hello", "main.swift"), "w").write("// the built hello product\n")
    config = {"database": None,
              "functions": {"hello": {"routes": ["GET /hello"], "idleTimeoutSeconds": 600}}}
    json.dump(config, open(os.path.join(project, "runtime.json"), "w"))
    host, port, _ = start_emulator(bin_dir, os.path.join(project, "runtime.json"))
    bare = None
    results = {}
    try:
        status, body = get(port, "/hello")
        assert status == 200, status
        bare_port = free_port()
        bare = start_bare(bare_port, "/hello", body.decode())
        assert get(bare_port, "/hello") == (200, body)
        urls = {"emulator": f"http://127.0.0.1:{port}/hello", "bare": f"http://127.0.0.1:{bare_port}/hello"}
        pids = {"emulator": host.pid, "bare": bare.pid}
        for connections in connection_counts:
            run_wrk(urls["emulator"], connections, 2, host.pid)  # one warm instance per connection
            for _ in range(args.rounds):  # alternate, so drift and other load hit both alike
                for name in ("emulator", "bare"):
                    results.setdefault((connections, name), []).append(
                        run_wrk(urls[name], connections, args.seconds, pids[name]))
    finally:
        if bare:
            stop(bare)
        stop(host)
        shutil.rmtree(project, ignore_errors=True)

    print(f"wrk -t 2, GET /hello ({len(body)} bytes), {args.seconds} s x {args.rounds} alternating rounds, "
          f"release builds, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    print(f"{'conns':>5} {'target':<9} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'CPU us/req':>10}")
    for connections in connection_counts:
        rates, cpu = {}, {}
        for name in ("emulator", "bare"):
            runs = results[(connections, name)]
            rates[name] = statistics.median(r[0] for r in runs)
            cpu[name] = statistics.median(r[4] for r in runs)
            print(f"{connections:>5} {name:<9} {rates[name]:>9.0f} {statistics.median(r[1] for r in runs):>7.2f} "
                  f"{statistics.median(r[2] for r in runs):>7.2f} {sum(r[3] for r in runs):>6} {cpu[name]:>10.0f}")
        print(f"{connections:>5} ratio emulator/bare req/s {rates['emulator'] / rates['bare']:.2f}, "
              f"CPU per request bare/emulator {cpu['bare'] / cpu['emulator']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
