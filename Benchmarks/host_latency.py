#!/usr/bin/env python3
"""Cold start (Swift `hello`, the Python example, a trivial Node.js function) and warm
invocation latency and CPU through the host.

Runs the real emulator binary on a throwaway project holding the built `hello`,
a copy of Functions/hello-python (the built-in Python runtime) and `hello-node`
(a one-line index.mjs, the built-in Node.js runtime), and measures, in the same run:

  cold start   Init Duration (spawn to the instance's first /next) of N cold
               starts of each function, alternating, read from the REPORT
               lines, and the first request's latency (distribution of both);
               baseline: spawning the same binary (or the interpreter on the
               runtime client) straight to its exit (no runtime API), and for
               Node.js a bare `node -e ''`, so the ratio shows what the host
               and the runtime's start add to a bare process start.
  warm         client-side latency of N sequential keep-alive requests to
               each function; baseline: the front door's own 404 (same HTTP
               path, no invocation), so the ratio shows the cost of an
               invocation; and the CPU time per request of the emulator and
               its instances together (from /proc, over the same requests).

Usage: python3 Benchmarks/host_latency.py [--samples N] [--configuration debug|release] [--scratch-path PATH]
Builds the emulator and `hello` with `swift build` first. Prints medians, p99 and ratios.
"""
import argparse, http.client, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, build, cpu_seconds, percentile, start_emulator


PYTHON_EXAMPLE = os.path.join(ROOT, "Functions", "hello-python")
RUNTIMES = os.path.join(ROOT, "Sources", "FunctionHost", "Runtimes")
NODE_HANDLER = "export const handler = async () => ({ statusCode: 200, body: 'Hello from Node.js!' });\n"
FUNCTIONS = ("hello", "hello-python", "hello-node")


def project(idle_seconds):
    """A throwaway project: the built Swift `hello`, a copy of the Python example `hello-python`
    and a trivial Node.js `hello-node`."""
    directory = tempfile.mkdtemp(prefix="bench-host-")
    os.makedirs(os.path.join(directory, "Functions", "hello"))
    open(os.path.join(directory, "Functions", "hello", "main.swift"), "w").write("// the built hello product\n")
    shutil.copytree(PYTHON_EXAMPLE, os.path.join(directory, "Functions", "hello-python"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(directory, "Functions", "hello-node"))
    open(os.path.join(directory, "Functions", "hello-node", "index.mjs"), "w").write(NODE_HANDLER)
    config = {"database": None, "functions": {
        "hello": {"routes": ["GET /hello"], "idleTimeoutSeconds": idle_seconds},
        "hello-python": {"routes": ["GET /hello-python"], "handler": "handler.handle",
                         "idleTimeoutSeconds": idle_seconds},
        "hello-node": {"routes": ["GET /hello-node"], "idleTimeoutSeconds": idle_seconds}}}
    json.dump(config, open(os.path.join(directory, "runtime.json"), "w"))
    return directory


def measure_cold(bin_dir, samples, functions):
    """Cold starts of each function, alternating; returns {name: (Init Durations, first-request latencies)}."""
    directory = project(0.05)
    process, port, lines = start_emulator(bin_dir, os.path.join(directory, "runtime.json"))
    first_request_ms = {name: [] for name in functions}
    try:
        for _ in range(samples):
            for name in functions:  # alternate, so drift hits both alike
                time.sleep(0.45)  # the idle instance is torn down before the next request
                connection = http.client.HTTPConnection("127.0.0.1", port)
                started = time.perf_counter()
                connection.request("GET", "/" + name)
                response = connection.getresponse()
                response.read()
                first_request_ms[name].append((time.perf_counter() - started) * 1000)
                assert response.status == 200, (name, response.status)
                connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory)
    output = "".join(lines)
    return {name: ([float(m) for m in re.findall(rf"\[{re.escape(name)}/[^]]*\] REPORT .*Init Duration: ([\d.]+) ms", output)],
                   first_request_ms[name]) for name in functions}


def measure_bare_spawn(command, samples):
    """Spawning `command` without AWS_LAMBDA_RUNTIME_API, to its exit: the process start alone."""
    times = []
    env = {"PATH": os.environ.get("PATH", "")}
    for _ in range(samples):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=PYTHON_EXAMPLE, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_warm(bin_dir, samples):
    """Per function: warm latencies, the 404 baseline beside them, and CPU ms per request
    (emulator and instances, over the warm requests alone)."""
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

        results = {}
        for name in FUNCTIONS:
            timed("/" + name, 200)  # the cold start
            warm, baseline = [], []
            for _ in range(samples):  # alternate, so drift hits both alike
                warm.append(timed("/" + name, 200))
                baseline.append(timed("/not-a-route", 404))
            cpu_before = cpu_seconds(process.pid, children=True)
            for _ in range(samples):  # CPU of the invocations alone
                timed("/" + name, 200)
            cpu_ms = (cpu_seconds(process.pid, children=True) - cpu_before) * 1000 / samples
            results[name] = (warm, baseline, cpu_ms)
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(directory)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--warm-samples", type=int, default=500)
    parser.add_argument("--configuration", default="debug", choices=["debug", "release"])
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    args = parser.parse_args()
    bin_dir = build(args.configuration, args.scratch_path, products=("emulator", "hello"))

    cold = measure_cold(bin_dir, args.samples, FUNCTIONS)
    # Each runtime's process started to its exit: the Swift binary, and the interpreter on the
    # runtime client (which exits at once without AWS_LAMBDA_RUNTIME_API); for Node.js also bare node.
    bare = {"hello": measure_bare_spawn([os.path.join(bin_dir, "hello")], args.samples),
            "hello-python": measure_bare_spawn(["python3", os.path.join(RUNTIMES, "python", "bootstrap.py")], args.samples),
            "hello-node": measure_bare_spawn(["node", os.path.join(RUNTIMES, "nodejs", "bootstrap.cjs")], args.samples)}
    bare_node = measure_bare_spawn(["node", "-e", ""], args.samples)
    warm = measure_warm(bin_dir, args.warm_samples)

    def line(name, values):
        return f"  {name:<44} median {statistics.median(values):8.2f} ms   p99 {percentile(values, 0.99):8.2f} ms   (n={len(values)})"

    def distribution(values):
        return "  ".join(f"p{int(q * 100)} {percentile(values, q):.2f}" for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99))

    print(f"host latency, {args.configuration} build, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    for name in FUNCTIONS:
        inits, first = cold[name]
        print(f"cold start of {name}")
        print(line("Init Duration (spawn to first /next)", inits))
        print("    distribution, ms: " + distribution(inits))
        print(line("first request, client side", first))
        print("    distribution, ms: " + distribution(first))
        print(line("baseline: bare spawn to exit", bare[name]))
        print(f"  ratio init / bare spawn: {statistics.median(inits) / statistics.median(bare[name]):.2f}")
        if name == "hello-node":
            print(line("baseline: bare `node -e ''`", bare_node))
            print(f"  ratio init / bare node: {statistics.median(inits) / statistics.median(bare_node):.2f}")
            print(f"  ratio init / Swift hello's init: {statistics.median(inits) / statistics.median(cold['hello'][0]):.2f}")
    print("warm")
    for name in FUNCTIONS:
        latencies, baseline, cpu_ms = warm[name]
        print(line(f"GET /{name} (warm invocation)", latencies))
        print(line("baseline: GET /not-a-route (404, no invocation)", baseline))
        print(f"  ratio warm / 404: {statistics.median(latencies) / statistics.median(baseline):.2f}")
        print(f"  CPU per warm request (emulator + instance): {cpu_ms:.2f} ms (n={args.warm_samples})")


if __name__ == "__main__":
    sys.exit(main())
