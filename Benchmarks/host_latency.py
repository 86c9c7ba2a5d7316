#!/usr/bin/env python3
"""Cold start and warm invocation latency of the Swift `hello` through the host.

Runs the real emulator binary on a throwaway project whose only function is the
built `hello`, and measures, in the same run:

  cold start   Init Duration (spawn to the instance's first /next) of N cold
               starts, read from the REPORT lines; baseline: spawning the same
               binary straight to its exit (no runtime API), so the ratio shows
               what the host adds to a bare process start.
  warm         client-side latency of N sequential keep-alive requests to
               /hello; baseline: the front door's own 404 (same HTTP path, no
               invocation), so the ratio shows the cost of an invocation.

Usage: python3 Benchmarks/host_latency.py [--samples N] [--configuration debug|release]
Builds with `swift build` first. Prints medians, p99 and ratios.
"""
import argparse, http.client, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


def start_emulator(bin_dir, config_file):
    """Starts the emulator; returns it, its port, and the list its output lines keep going to."""
    process = subprocess.Popen(
        [os.path.join(bin_dir, "emulator"), "--config", config_file, "--port", "0", "--no-build"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    for line in process.stdout:
        lines.append(line)
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            # Keep reading, or the emulator blocks once the pipe is full.
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
            return process, int(match.group(1)), lines
    raise SystemExit("emulator did not start:\n" + "".join(lines))


def project(idle_seconds):
    directory = tempfile.mkdtemp(prefix="bench-host-")
    os.makedirs(os.path.join(directory, "Functions", "hello"))
    open(os.path.join(directory, "Functions", "hello", "main.swift"), "w").write("// the built hello product\n")
    config = {"database": None, "functions": {"hello": {"routes": ["GET /hello"], "idleTimeoutSeconds": idle_seconds}}}
    json.dump(config, open(os.path.join(directory, "runtime.json"), "w"))
    return directory


def measure_cold(bin_dir, samples):
    directory = project(0.05)
    process, port, lines = start_emulator(bin_dir, os.path.join(directory, "runtime.json"))
    first_request_ms = []
    try:
        for _ in range(samples):
            time.sleep(0.45)  # the idle instance is torn down before the next request
            connection = http.client.HTTPConnection("127.0.0.1", port)
            started = time.perf_counter()
            connection.request("GET", "/hello")
            response = connection.getresponse()
            response.read()
            first_request_ms.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, response.status
            connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory)
    inits = [float(m) for m in re.findall(r"Init Duration: ([\d.]+) ms", "".join(lines))]
    return inits, first_request_ms


def measure_bare_spawn(bin_dir, samples):
    times = []
    env = {"PATH": os.environ.get("PATH", "")}
    for _ in range(samples):
        started = time.perf_counter()
        subprocess.run([os.path.join(bin_dir, "hello")], env=env, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_warm(bin_dir, samples):
    directory = project(600)
    process, port, _ = start_emulator(bin_dir, os.path.join(directory, "runtime.json"))
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port)

        def timed(path, status):
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == status, (path, response.status)
            return (time.perf_counter() - started) * 1000

        timed("/hello", 200)  # the cold start
        hello, baseline = [], []
        for _ in range(samples):  # alternate, so drift hits both alike
            hello.append(timed("/hello", 200))
            baseline.append(timed("/not-a-route", 404))
        return hello, baseline
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--warm-samples", type=int, default=500)
    parser.add_argument("--configuration", default="debug", choices=["debug", "release"])
    args = parser.parse_args()
    subprocess.run(["swift", "build", "-c", args.configuration], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    bin_dir = subprocess.run(["swift", "build", "-c", args.configuration, "--show-bin-path"], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout.strip()

    inits, first = measure_cold(bin_dir, args.samples)
    bare = measure_bare_spawn(bin_dir, args.samples)
    hello, baseline = measure_warm(bin_dir, args.warm_samples)

    def line(name, values):
        return f"  {name:<44} median {statistics.median(values):8.2f} ms   p99 {percentile(values, 0.99):8.2f} ms   (n={len(values)})"

    print(f"host latency, {args.configuration} build, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    print("cold start")
    print(line("Init Duration (spawn to first /next)", inits))
    print(line("first request, client side", first))
    print(line("baseline: bare spawn of hello to exit", bare))
    print(f"  ratio init / bare spawn: {statistics.median(inits) / statistics.median(bare):.2f}")
    print("warm")
    print(line("GET /hello (warm invocation)", hello))
    print(line("baseline: GET /not-a-route (404, no invocation)", baseline))
    print(f"  ratio warm / 404: {statistics.median(hello) / statistics.median(baseline):.2f}")


if __name__ == "__main__":
    sys.exit(main())
