"""What the benchmark scripts share: building the emulator, starting it, pgbench, statistics.

Import it from a script in this folder (`from benchlib import ...`); the
scripts put their own folder first on sys.path when run as
`python3 Benchmarks/NAME.py`.
"""
import math, os, re, resource, shutil, socket, subprocess, threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_seconds(pid, children=False):
    """User plus system CPU time process `pid` has used so far (all its threads),
    from /proc; with `children`, also every process under it alive now."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = open(f"/proc/{current}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            if children:
                for task in os.listdir(f"/proc/{current}/task"):
                    pending += [int(c) for c in open(f"/proc/{current}/task/{task}/children").read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def percentile(values, fraction):
    """The nearest-rank percentile of `values` (fraction 0.5 is the median, 0.99 the p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_open_files_limit():
    """Lifts the soft limit on open files to the hard one (1000 clients need more than 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def build(configuration, scratch_path=None, products=("emulator",), cwd=ROOT):
    """Builds the given products with SwiftPM; returns the bin directory."""
    command = ["swift", "build", "-c", configuration]
    if scratch_path:
        command += ["--scratch-path", scratch_path]
    for product in products:
        subprocess.run(command + ["--product", product], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return subprocess.run(command + ["--show-bin-path"], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def start_emulator(bin_dir, config_file, *extra):
    """Starts the emulator on a free front-door port.

    Returns the process, its front door's port, and the list its output lines
    keep going to (read on a thread, so the emulator never blocks on a full pipe).
    """
    process = subprocess.Popen(
        [os.path.join(bin_dir, "emulator"), "--config", config_file, "--port", "0", "--no-build", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    for line in process.stdout:
        lines.append(line)
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
            return process, int(match.group(1)), lines
    raise SystemExit("emulator did not start:\n" + "".join(lines))


def stop(process, timeout=60):
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def emulator_url(bin_dir, config_file, *extra):
    """`emulator url` for the project: the pool's URL, or with "--direct" the database's."""
    result = subprocess.run([os.path.join(bin_dir, "emulator"), "url", "--config", config_file, *extra],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("emulator url failed: " + result.stdout + result.stderr)
    return result.stdout.strip()


def postgres_bin(name):
    """A PostgreSQL client or server binary: on PATH, else the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
    return f"/usr/lib/postgresql/{versions[-1]}/bin/{name}"


def run_pgbench(url, protocol, clients, seconds, threads=2, connect_allowance=0.0, connect_per_transaction=False):
    """One `pgbench -S` run of `seconds` of transactions (with `connect_per_transaction`,
    `pgbench -C`: a new connection for each transaction, whose tps counts the connecting).

    pgbench's -T includes connecting its clients (which takes seconds for
    1000 clients that each do a SCRAM exchange), and its tps leaves that time
    out: the run is given `connect_allowance` seconds more, doubled until the
    clients connect within it. Returns (tps, average latency in ms, failed
    transactions, initial connection time in s).
    """
    while True:
        result = subprocess.run(
            [postgres_bin("pgbench"), "-S", "-n", "-M", protocol, "-c", str(clients), "-j", str(threads),
             "-T", str(seconds + math.ceil(connect_allowance)), *(["-C"] if connect_per_transaction else []), url],
            capture_output=True, text=True)
        output = result.stdout
        tps = re.search(r"tps = ([\d.]+)", output)
        latency = re.search(r"latency average = ([\d.]+) ms", output)
        if tps and latency:
            break
        if "number of transactions actually processed: 0" not in output or connect_allowance > 300:
            raise SystemExit(f"pgbench failed ({protocol}, {clients} clients, {url.split('@')[-1]}):\n"
                             f"{output}{result.stderr}")
        connect_allowance = max(1.0, 2 * connect_allowance)
    failed = re.search(r"number of failed transactions: (\d+)", output)
    connect = re.search(r"initial connection time = ([\d.]+) ms", output)
    return (float(tps.group(1)), float(latency.group(1)), int(failed.group(1)) if failed else 0,
            float(connect.group(1)) / 1000 if connect else 0.0)
