#!/usr/bin/env python3
"""pgbench select-only through the emulator's pool versus straight to the database.

Starts the real emulator (managed PostgreSQL + pool, no functions) on a
throwaway project, initialises pgbench's tables through the database URL,
then runs `pgbench -S` alternately through the pool and straight to the
database, for each protocol, and prints the median tps of each and the ratio.
`-M prepared` is how drivers run (named statements): through the pool each
client's statement is prepared once per server connection and shared.

Usage: python3 Benchmarks/pool_vs_direct.py [--clients 50] [--seconds 10] [--rounds 3]
         [--server-connections 10] [--configuration debug|release]
         [--protocols simple,extended,prepared] [--scratch-path PATH]
Needs: a Swift toolchain, PostgreSQL server binaries and pgbench (Debian: postgresql).
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, free_port, postgres_bin, run_pgbench


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-connections", type=int, default=10)
    parser.add_argument("--configuration", default="debug", choices=["debug", "release"])
    parser.add_argument("--protocols", default="simple,extended,prepared",
                        help="pgbench -M modes to compare, comma-separated")
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    args = parser.parse_args()
    protocols = args.protocols.split(",")
    unknown = set(protocols) - {"simple", "extended", "prepared"}
    if unknown:
        raise SystemExit(f"unknown protocol(s): {', '.join(sorted(unknown))}")

    build = ["swift", "build", "-c", args.configuration]
    if args.scratch_path:
        build += ["--scratch-path", args.scratch_path]
    subprocess.run(build + ["--product", "emulator"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    bin_dir = subprocess.run(build + ["--show-bin-path"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    emulator = os.path.join(bin_dir, "emulator")

    project = tempfile.mkdtemp(prefix="bench-pool-")
    os.chmod(project, 0o755)  # the managed server runs as postgres when we are root
    os.makedirs(os.path.join(project, "Functions"))
    config = {
        "database": {"managed": {"port": free_port(), "maxConnections": args.clients + 20}},
        "pool": {"port": free_port(), "maxServerConnections": args.server_connections},
    }
    config_file = os.path.join(project, "runtime.json")
    json.dump(config, open(config_file, "w"))
    host = subprocess.Popen([emulator, "--config", config_file, "--port", "0", "--no-build"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        startup = []
        for line in host.stdout:
            startup.append(line)
            if "Emulator listening on" in line:
                break
        else:
            raise SystemExit("emulator did not start:\n" + "".join(startup))
        if not any(line.startswith("Pool:") for line in startup):
            raise SystemExit("the database or the pool did not start:\n" + "".join(startup))
        threading.Thread(target=lambda: [None for _ in host.stdout], daemon=True).start()
        def url(*extra):
            result = subprocess.run([emulator, "url", "--config", config_file, *extra], capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit("emulator url failed: " + result.stdout + result.stderr)
            return result.stdout.strip()
        pooled, direct = url(), url("--direct")
        subprocess.run([postgres_bin("pgbench"), "-i", "-s", "1", "-q", direct], check=True, capture_output=True)

        results = {}
        for protocol in protocols:
            for _ in range(args.rounds):  # alternate, so drift hits both alike
                for name, target in (("pool", pooled), ("direct", direct)):
                    results.setdefault((protocol, name), []).append(
                        run_pgbench(target, protocol, args.clients, args.seconds))
    finally:
        host.terminate()
        host.wait(timeout=60)
        shutil.rmtree(project, ignore_errors=True)

    print(f"pgbench -S, {args.clients} clients, {args.seconds} s x {args.rounds} rounds, pool of "
          f"{args.server_connections} server connections, {args.configuration} build, "
          f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    for protocol in protocols:
        medians = {}
        for name in ("pool", "direct"):
            runs = results[(protocol, name)]
            tps = statistics.median(r[0] for r in runs)
            latency = statistics.median(r[1] for r in runs)
            failed = sum(r[2] for r in runs)
            medians[name] = tps
            print(f"  {protocol:<8} {name:<6} median tps {tps:10.0f}   latency {latency:6.2f} ms   failed {failed}")
        print(f"  {protocol:<8} ratio pool/direct {medians['pool'] / medians['direct']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
