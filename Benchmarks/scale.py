#!/usr/bin/env python3
"""A thousand instances of the Swift `hello` held at once: memory, time to scale up, time to tear down.

Starts the real emulator (release build) on a throwaway project whose only
function is the built `hello`, and sends N requests at once. `hello` answers
in microseconds, so the function gets a `coldStartDelayMs` longer than it
takes to send them all: every request then finds no idle instance and starts
its own, and the N instances stay (idle, waiting on their /next) for the
idle timeout. The script reports:

  time 0 -> N     from the first request sent to N instances registered,
                  minus the configured delay (launches all wait that long);
  memory          the emulator's RSS, the sum of the instances' RSS, and the
                  sum of PSS of host and instances (shared pages counted
                  once: what the machine really spends), per instance too;
  growth          the emulator's RSS again after holding the instances idle
                  for --hold-seconds: anything per instance that grows over
                  time (a leak in a periodic task) shows here;
  teardown        from SIGTERM to the emulator and every instance gone.
Baseline in the same run: the emulator's own RSS with no instance.

Usage: python3 Benchmarks/scale.py [--instances 1000] [--delay-ms 5000] [--hold-seconds 10]
                                  [--scratch-path PATH | --bin-dir DIR]
"""
import argparse, http.client, json, os, shutil, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import build, raise_open_files_limit, start_emulator


def children(pid):
    """Every descendant process of `pid`."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = []
        try:
            for task in os.listdir(f"/proc/{parent}/task"):  # each thread lists the children it started
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids += [int(k) for k in f.read().split()]
        except OSError:
            pass
        found += kids
        frontier += kids
    return found


def command_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def memory_kb(pid, field):
    """A field of /proc/PID/smaps_rollup (Rss, Pss) in kB, 0 for a process already gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stats(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/_emulator/stats")
    value = json.loads(connection.getresponse().read())
    connection.close()
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--delay-ms", type=int, default=5000,
                        help="coldStartDelayMs: longer than sending all requests takes")
    parser.add_argument("--hold-seconds", type=float, default=10,
                        help="how long to hold the idle instances before measuring the emulator's RSS again")
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    parser.add_argument("--bin-dir", help="use the emulator and hello already built here (no build): "
                                          "to compare two builds in alternating runs")
    args = parser.parse_args()
    raise_open_files_limit()
    bin_dir = args.bin_dir or build("release", args.scratch_path, products=("emulator", "hello"))
    project = tempfile.mkdtemp(prefix="bench-scale-")
    os.makedirs(os.path.join(project, "Functions", "hello"))
    open(os.path.join(project, "Functions", "hello", "main.swift"), "w").write("// the built hello product\n")
    config = {"database": None,
              "functions": {"hello": {"routes": ["GET /hello"], "idleTimeoutSeconds": 600,
                                      "maxConcurrency": args.instances, "coldStartDelayMs": args.delay_ms}}}
    json.dump(config, open(os.path.join(project, "runtime.json"), "w"))
    host, port, _ = start_emulator(bin_dir, os.path.join(project, "runtime.json"))
    try:
        time.sleep(1)
        baseline_rss = memory_kb(host.pid, "Rss")
        statuses = []

        def call():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            connection.request("GET", "/hello")
            statuses.append(connection.getresponse().status)
            connection.close()

        callers = [threading.Thread(target=call) for _ in range(args.instances)]
        started = time.perf_counter()
        for caller in callers:
            caller.start()
        sent = time.perf_counter() - started
        reached = None
        # Stop waiting once every caller has its answer: a failed invocation
        # (timeout on a loaded machine) means N is never reached.
        while reached is None:
            if stats(port)["functions"]["hello"]["instances"]["total"] >= args.instances:
                reached = time.perf_counter() - started
            elif not any(caller.is_alive() for caller in callers):
                break
            else:
                time.sleep(0.05)
        for caller in callers:
            caller.join()
        answered = time.perf_counter() - started
        held = stats(port)["functions"]["hello"]["instances"]["total"]
        time.sleep(1)  # let the instances settle into their /next
        instances = [pid for pid in children(host.pid) if command_name(pid) == "hello"]
        host_rss = memory_kb(host.pid, "Rss")
        instance_rss = sum(memory_kb(pid, "Rss") for pid in instances)
        total_pss = memory_kb(host.pid, "Pss") + sum(memory_kb(pid, "Pss") for pid in instances)
        time.sleep(args.hold_seconds)
        held_rss = memory_kb(host.pid, "Rss")

        stopping = time.perf_counter()
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=600)
        while any(os.path.exists(f"/proc/{pid}") for pid in instances):
            time.sleep(0.01)
        teardown = time.perf_counter() - stopping
    finally:
        if host.poll() is None:
            host.kill()
            host.wait()
        shutil.rmtree(project, ignore_errors=True)

    n = len(instances)
    print(f"scale: {args.instances} concurrent GET /hello, coldStartDelayMs {args.delay_ms}, release build, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    print(f"  requests sent in {sent:.2f} s; 200s: {statuses.count(200)} of {len(statuses)}")
    print(f"  instances held: {held} (hello processes under the host: {n})")
    if reached is None:
        print(f"  time 0 -> {args.instances} instances: not reached "
              f"(all answered after {answered - args.delay_ms / 1000:.2f} s), delay of {args.delay_ms} ms left out")
    else:
        print(f"  time 0 -> {args.instances} instances: {reached - args.delay_ms / 1000:.2f} s "
              f"(all answered after {answered - args.delay_ms / 1000:.2f} s), delay of {args.delay_ms} ms left out")
    print(f"  host RSS: {host_rss / 1024:.1f} MB (baseline, no instance: {baseline_rss / 1024:.1f} MB; "
          f"{(host_rss - baseline_rss) / max(n, 1):.1f} kB per instance)")
    print(f"  host RSS after holding them {args.hold_seconds:.0f} s more: {held_rss / 1024:.1f} MB "
          f"(growth {(held_rss - host_rss) / 1024 / max(args.hold_seconds, 0.001):.2f} MB/s)")
    print(f"  instances RSS: {instance_rss / 1024:.1f} MB in all, {instance_rss / max(n, 1) / 1024:.2f} MB each")
    print(f"  PSS of host + instances: {total_pss / 1024:.1f} MB, {total_pss / max(n, 1) / 1024:.2f} MB per instance")
    print(f"  teardown (SIGTERM to host and every instance gone): {teardown:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
