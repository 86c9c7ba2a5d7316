#!/usr/bin/env python3
"""pgbench select-only through the emulator's pool versus PgBouncer versus the database itself.

Starts the real emulator (managed PostgreSQL + pool, no functions) on a
throwaway project, and Debian's `pgbouncer` in transaction mode in front of
the same database with the same server-connection cap as the pool. Then, for
each protocol and client count, runs `pgbench -S` in alternating rounds
through the pool, through PgBouncer and straight to the database (the upper
bound), and prints median tps and latency of each and the ratio pool/PgBouncer.
pgbench's tps leaves out the time its clients take to connect (printed
apart); PgBouncer checks clients' passwords with md5, the pool and the
database with SCRAM, which only shows in that connect time.

Usage: python3 Benchmarks/pool_vs_pgbouncer.py [--clients 10,100,1000] [--seconds 10] [--rounds 3]
         [--server-connections 10] [--protocols simple,extended] [--scratch-path PATH]
Needs: a Swift toolchain, PostgreSQL server binaries, pgbench and pgbouncer
(Debian: apt-get install postgresql pgbouncer). Builds the emulator with -c release.
"""
import argparse, json, os, pwd, shutil, statistics, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (build, emulator_url, free_port, postgres_bin, raise_open_files_limit, run_pgbench,
                      start_emulator, stop)

TARGETS = ("pool", "pgbouncer", "direct")


def start_pgbouncer(directory, database_url, server_connections, max_clients):
    """PgBouncer in transaction mode before the database at `database_url`; returns it and its URL."""
    url = urllib.parse.urlparse(database_url)
    database = url.path.lstrip("/")
    user, password = urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or "")
    port = free_port()
    with open(os.path.join(directory, "userlist.txt"), "w") as f:
        f.write(f'"{user}" "{password}"\n')
    with open(os.path.join(directory, "pgbouncer.ini"), "w") as f:
        f.write(f"""[databases]
{database} = host={url.hostname} port={url.port} dbname={database}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = md5
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {server_connections}
max_db_connections = {server_connections}
max_client_conn = {max_clients}
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
""")
    command = ["pgbouncer", os.path.join(directory, "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        postgres = pwd.getpwnam("postgres")
        os.chown(directory, postgres.pw_uid, postgres.pw_gid)
        command[1:1] = ["-u", "postgres"]
    output = open(os.path.join(directory, "stderr.log"), "w")
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    netloc = f"{urllib.parse.quote(user)}:{urllib.parse.quote(password)}@127.0.0.1:{port}"
    bouncer_url = urllib.parse.urlunparse(url._replace(netloc=netloc))
    for _ in range(100):
        probe = subprocess.run([postgres_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True)
        if probe.returncode == 0:
            return process, bouncer_url
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit("pgbouncer did not start:\n" + open(os.path.join(directory, "stderr.log")).read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="10,100,1000", help="client counts, comma-separated")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-connections", type=int, default=10)
    parser.add_argument("--protocols", default="simple,extended", help="pgbench -M modes, comma-separated")
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    protocols = args.protocols.split(",")
    open_files = raise_open_files_limit()
    if open_files < 2 * max(client_counts) + 100:
        raise SystemExit(f"open files limit {open_files} is too low for {max(client_counts)} clients")

    bin_dir = build("release", args.scratch_path)
    project = tempfile.mkdtemp(prefix="bench-bouncer-")
    os.chmod(project, 0o755)  # the managed server runs as postgres when we are root
    os.makedirs(os.path.join(project, "Functions"))
    bouncer_dir = os.path.join(project, "pgbouncer")
    os.makedirs(bouncer_dir)
    config = {
        "database": {"managed": {"port": free_port(), "maxConnections": max(client_counts) + 30}},
        "pool": {"port": free_port(), "maxServerConnections": args.server_connections,
                 "maxClientConnections": max(client_counts) + 100},
    }
    config_file = os.path.join(project, "runtime.json")
    json.dump(config, open(config_file, "w"))
    host, _, lines = start_emulator(bin_dir, config_file)
    bouncer = None
    results = {}
    connect_allowance = {}  # seconds the clients took to connect last time, with a margin
    try:
        if not any(line.startswith("Pool:") for line in lines):
            raise SystemExit("the database or the pool did not start:\n" + "".join(lines))
        direct = emulator_url(bin_dir, config_file, "--direct")
        bouncer, bounced = start_pgbouncer(bouncer_dir, direct, args.server_connections, max(client_counts) + 100)
        urls = {"pool": emulator_url(bin_dir, config_file), "pgbouncer": bounced, "direct": direct}
        subprocess.run([postgres_bin("pgbench"), "-i", "-s", "1", "-q", direct], check=True, capture_output=True)
        for clients in client_counts:
            for protocol in protocols:
                for _ in range(args.rounds):  # alternate, so drift and other load hit all alike
                    for target in TARGETS:
                        run = run_pgbench(urls[target], protocol, clients, args.seconds,
                                          connect_allowance=connect_allowance.get((clients, target), clients / 100))
                        connect_allowance[(clients, target)] = 1.5 * run[3] + 1
                        results.setdefault((clients, protocol, target), []).append(run)
    finally:
        if bouncer:
            stop(bouncer)
        stop(host)
        shutil.rmtree(project, ignore_errors=True)

    print(f"pgbench -S -j 2, {args.seconds} s x {args.rounds} alternating rounds, "
          f"{args.server_connections} server connections for the pool and PgBouncer (transaction mode), "
          f"release build, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    print(f"{'clients':>7} {'protocol':<8} " + " ".join(f"{t + ' tps':>14} {'lat ms':>7}" for t in TARGETS)
          + f" {'pool/pgb':>8} {'pool/direct':>11} {'failed':>6}")
    for clients in client_counts:
        for protocol in protocols:
            row, tps = [], {}
            failed = 0
            for target in TARGETS:
                runs = results[(clients, protocol, target)]
                tps[target] = statistics.median(r[0] for r in runs)
                row.append(f"{tps[target]:>14.0f} {statistics.median(r[1] for r in runs):>7.2f}")
                failed += sum(r[2] for r in runs)
            print(f"{clients:>7} {protocol:<8} " + " ".join(row)
                  + f" {tps['pool'] / tps['pgbouncer']:>8.2f} {tps['pool'] / tps['direct']:>11.2f} {failed:>6}")
    print("median time for pgbench's clients to connect (not in tps), seconds:")
    for clients in client_counts:
        print(f"{clients:>7} " + "   ".join(
            f"{target} {statistics.median(r[3] for p in protocols for r in results[(clients, p, target)]):.2f}"
            for target in TARGETS))


if __name__ == "__main__":
    sys.exit(main())
