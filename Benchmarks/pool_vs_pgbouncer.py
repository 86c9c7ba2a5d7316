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
database with SCRAM, which only shows in that connect time. It also prints the
CPU time the pool (the emulator process) and PgBouncer spend per transaction
once pgbench's clients are connected, from /proc: on a shared machine that
moves less with other load than tps does.

With --debug-pool it also runs a second emulator built the way
`swift run emulator` builds it (the debug configuration), its pool in front of
the same database, as the target "debug-pool": the ratio debug-pool/pool says
how close `swift run emulator` comes to a release build. --debug-bin-dir takes
an already built debug bin directory instead, and --pool-bin-dir another build
for the "pool" target (two copies of builds before and after a change: an A/B).

With --tls every client connects with sslmode=require: to the pool (the
emulator's own certificate from the project's .emulator/tls/), to PgBouncer
(client_tls_sslmode = require with that same key and certificate) and to the
database (managed with "tls": true); the pool and PgBouncer reach the database
with sslmode prefer (the pool's default, set for PgBouncer), so over TLS too,
on the server connections they keep. With --connect-per-transaction pgbench runs with -C, a
new connection (and with --tls a new TLS handshake) for every transaction: tps
is then connections per second, and the CPU time per transaction is the CPU
time per connection; PgBouncer then checks passwords with SCRAM, as the pool
and the database do (libpq's side of SCRAM, 4096 PBKDF2 rounds, is pgbench's
CPU time in every transaction).

Usage: python3 Benchmarks/pool_vs_pgbouncer.py [--clients 10,100,1000] [--seconds 10] [--rounds 3]
         [--server-connections 10] [--protocols simple,extended] [--targets pool,pgbouncer,direct]
         [--debug-pool] [--debug-bin-dir DIR] [--pool-bin-dir DIR] [--scratch-path PATH]
         [--tls] [--connect-per-transaction]
Needs: a Swift toolchain, PostgreSQL server binaries, pgbench and pgbouncer
(Debian: apt-get install postgresql pgbouncer). Builds the emulator with -c release.
"""
import argparse, json, math, os, pwd, shutil, statistics, subprocess, sys, tempfile, threading, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (build, cpu_seconds, emulator_url, free_port, postgres_bin, raise_open_files_limit, run_pgbench,
                      start_emulator, stop)

TARGETS = ("pool", "debug-pool", "pgbouncer", "direct")


def run_measured(url, pid, protocol, clients, seconds, allowance, connect_per_transaction=False):
    """`run_pgbench`, and the CPU time process `pid` spent per transaction once the
    clients had connected (from the end of the connect allowance to the end of the run,
    whose `seconds` of transactions are counted at pgbench's tps); 0 without a pid."""
    outcome = {}
    bench = threading.Thread(target=lambda: outcome.update(
        run=run_pgbench(url, protocol, clients, seconds, connect_allowance=allowance,
                        connect_per_transaction=connect_per_transaction)))
    bench.start()
    bench.join(math.ceil(allowance))
    before = cpu_seconds(pid) if pid else 0
    bench.join()
    run = outcome["run"]
    if not pid or run[0] <= 0:
        return run, 0.0
    return run, 1e6 * (cpu_seconds(pid) - before) / (run[0] * seconds)


def start_pgbouncer(directory, database_url, server_connections, max_clients, tls_files=None, auth_type="md5"):
    """PgBouncer in transaction mode before the database at `database_url`; returns it and its URL.
    With `tls_files` (certificate, key) it requires TLS from its clients, with that key."""
    url = urllib.parse.urlparse(database_url)
    database = url.path.lstrip("/")
    user, password = urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or "")
    port = free_port()
    client_tls = ""
    if tls_files:
        for source, name in zip(tls_files, ("server.crt", "server.key")):
            shutil.copyfile(source, os.path.join(directory, name))
            os.chmod(os.path.join(directory, name), 0o600)
        client_tls = (f"client_tls_sslmode = require\nserver_tls_sslmode = prefer\nclient_tls_cert_file = {directory}/server.crt\n"
                      f"client_tls_key_file = {directory}/server.key\n")
    with open(os.path.join(directory, "userlist.txt"), "w") as f:
        f.write(f'"{user}" "{password}"\n')
    with open(os.path.join(directory, "pgbouncer.ini"), "w") as f:
        f.write(f"""[databases]
{database} = host={url.hostname} port={url.port} dbname={database}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = {auth_type}
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
{client_tls}""")
    command = ["pgbouncer", os.path.join(directory, "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        postgres = pwd.getpwnam("postgres")
        for name in ["", *os.listdir(directory)]:
            os.chown(os.path.join(directory, name), postgres.pw_uid, postgres.pw_gid)
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
    parser.add_argument("--targets", default="pool,pgbouncer,direct",
                        help="what to run pgbench against, comma-separated (pool is always included; "
                             "leaving out direct makes a quicker pool/PgBouncer comparison)")
    parser.add_argument("--scratch-path", help="SwiftPM build directory (default: .build)")
    parser.add_argument("--debug-pool", action="store_true",
                        help="also measure the pool of a debug build (what `swift run emulator` runs)")
    parser.add_argument("--debug-bin-dir", help="the debug build's bin directory (default: build it now)")
    parser.add_argument("--pool-bin-dir", help="the bin directory of the build whose pool is the target \"pool\" "
                                               "(default: a release build, built now)")
    parser.add_argument("--tls", action="store_true", help="every client connects with sslmode=require")
    parser.add_argument("--connect-per-transaction", action="store_true",
                        help="pgbench -C: a new connection for every transaction")
    args = parser.parse_args()
    wanted = args.targets.split(",") + (["debug-pool"] if args.debug_pool or args.debug_bin_dir else [])
    targets = [t for t in TARGETS if t == "pool" or t in wanted]
    client_counts = [int(c) for c in args.clients.split(",")]
    protocols = args.protocols.split(",")
    open_files = raise_open_files_limit()
    if open_files < 2 * max(client_counts) + 100:
        raise SystemExit(f"open files limit {open_files} is too low for {max(client_counts)} clients")

    bin_dir = args.pool_bin_dir or build("release", args.scratch_path)
    debug_bin_dir = None
    if "debug-pool" in targets:
        debug_bin_dir = args.debug_bin_dir or build("debug", args.scratch_path)
    project = tempfile.mkdtemp(prefix="bench-bouncer-")
    os.chmod(project, 0o755)  # the managed server runs as postgres when we are root
    os.makedirs(os.path.join(project, "Functions"))
    bouncer_dir = os.path.join(project, "pgbouncer")
    os.makedirs(bouncer_dir)
    config = {
        "database": {"managed": {"port": free_port(), "maxConnections": max(client_counts) + 30, "tls": args.tls}},
        "pool": {"port": free_port(), "maxServerConnections": args.server_connections,
                 "maxClientConnections": max(client_counts) + 100},
    }
    config_file = os.path.join(project, "runtime.json")
    json.dump(config, open(config_file, "w"))
    host, _, lines = start_emulator(bin_dir, config_file)
    bouncer = debug_host = None
    results = {}
    connect_allowance = {}  # seconds the clients took to connect last time, with a margin
    try:
        if not any(line.startswith("Pool:") for line in lines):
            raise SystemExit("the database or the pool did not start:\n" + "".join(lines))
        direct = emulator_url(bin_dir, config_file, "--direct")
        tls_files = None
        if args.tls:
            tls_directory = os.path.join(project, ".emulator", "tls")
            tls_files = (os.path.join(tls_directory, "server.crt"), os.path.join(tls_directory, "server.key"))
        # With a connection per transaction the password check is in every transaction: SCRAM
        # for PgBouncer too, as the pool and the database do.
        bouncer, bounced = start_pgbouncer(bouncer_dir, direct, args.server_connections, max(client_counts) + 100,
                                           tls_files, "scram-sha-256" if args.connect_per_transaction else "md5")
        urls = {"pool": emulator_url(bin_dir, config_file), "pgbouncer": bounced, "direct": direct}
        if args.tls:
            urls = {t: u + ("&" if "?" in u else "?") + "sslmode=require" for t, u in urls.items()}
        pids = {"pool": host.pid, "pgbouncer": bouncer.pid}  # CPU per transaction is read for these
        if debug_bin_dir:
            debug_config = os.path.join(project, "debug", "runtime.json")
            os.makedirs(os.path.join(project, "debug", "Functions"))
            json.dump({"database": {"url": direct}, "pool": config["pool"] | {"port": free_port()}},
                      open(debug_config, "w"))
            debug_host, _, debug_lines = start_emulator(debug_bin_dir, debug_config)
            if not any(line.startswith("Pool:") for line in debug_lines):
                raise SystemExit("the debug build's pool did not start:\n" + "".join(debug_lines))
            urls["debug-pool"] = emulator_url(debug_bin_dir, debug_config) + ("?sslmode=require" if args.tls else "")
            pids["debug-pool"] = debug_host.pid
        subprocess.run([postgres_bin("pgbench"), "-i", "-s", "1", "-q", urls["direct"]], check=True, capture_output=True)
        for clients in client_counts:
            for protocol in protocols:
                for _ in range(args.rounds):  # alternate, so drift and other load hit all alike
                    for target in targets:
                        allowance = connect_allowance.get((clients, target), clients / 100)
                        run, cpu = run_measured(urls[target], pids.get(target), protocol, clients, args.seconds, allowance,
                                                args.connect_per_transaction)
                        connect_allowance[(clients, target)] = 1.5 * run[3] + 1
                        results.setdefault((clients, protocol, target), []).append(run + (cpu,))
    finally:
        if bouncer:
            stop(bouncer)
        if debug_host:
            stop(debug_host)
        stop(host)
        shutil.rmtree(project, ignore_errors=True)

    print(f"pgbench -S -j 2{' -C' if args.connect_per_transaction else ''}{', sslmode=require' if args.tls else ''}, "
          f"{args.seconds} s x {args.rounds} alternating rounds, "
          f"{args.server_connections} server connections for the pool and PgBouncer (transaction mode), "
          f"{'the build in ' + bin_dir if args.pool_bin_dir else 'release build'}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    ratios = [t for t in ("pgbouncer", "direct") if t in targets]
    names = {"pgbouncer": "pool/pgb", "direct": "pool/direct"}
    if "debug-pool" in targets:
        print(f"debug-pool: the debug build in {debug_bin_dir}")
    print(f"{'clients':>7} {'protocol':<8} " + " ".join(f"{t + ' tps':>14} {'lat ms':>7}" for t in targets)
          + "".join(f" {names[t]:>11}" for t in ratios) + f" {'failed':>6}")
    for clients in client_counts:
        for protocol in protocols:
            row, tps = [], {}
            failed = 0
            for target in targets:
                runs = results[(clients, protocol, target)]
                tps[target] = statistics.median(r[0] for r in runs)
                row.append(f"{tps[target]:>14.0f} {statistics.median(r[1] for r in runs):>7.2f}")
                failed += sum(r[2] for r in runs)
            print(f"{clients:>7} {protocol:<8} " + " ".join(row)
                  + "".join(f" {tps['pool'] / tps[t]:>11.2f}" for t in ratios) + f" {failed:>6}"
                  + (f"   debug-pool/pool {tps['debug-pool'] / tps['pool']:.2f}" if "debug-pool" in tps else ""))
    per = "connection (= transaction, -C)" if args.connect_per_transaction else "transaction once the clients are connected"
    print(f"median CPU time per {per}, µs (user + system, whole process):")
    for clients in client_counts:
        for protocol in protocols:
            cpu = {t: statistics.median(r[4] for r in results[(clients, protocol, t)]) for t in targets if t in pids}
            print(f"{clients:>7} {protocol:<8} " + "   ".join(f"{t} {v:.1f}" for t, v in cpu.items())
                  + (f"   pool/pgbouncer {cpu['pool'] / cpu['pgbouncer']:.2f}" if cpu.get("pgbouncer") else ""))
    print("median time for pgbench's clients to connect (not in tps), seconds:")
    for clients in client_counts:
        print(f"{clients:>7} " + "   ".join(
            f"{target} {statistics.median(r[3] for p in protocols for r in results[(clients, p, target)]):.2f}"
            for target in targets))


if __name__ == "__main__":
    sys.exit(main())
