"""Benchmark the audit ledger on PostgreSQL: appends through record_event, and verify_chain over 1M events.

    .venv/bin/python benchmarks/audit_ledger.py --database-url postgres://postgres@127.0.0.1:5432/steward_bench

The script creates the database named in the URL (dropping a previous one of that name), migrates it,
measures, prints a table and drops the database again (unless --keep). Targets (issue 2, §10):
verify >= 100,000 events/s using < 100 MB; append >= 1,000 events/s with one writer.

  * reference: a plain INSERT + COMMIT loop without the ledger, the server's floor for a durable
    one-row transaction on this machine (synchronous_commit as configured);
  * append: each writer is its own process with its own connection, appending one event per
    transaction through governance.audit.ledger.record_event (the path every service takes);
  * fill: the chain is then extended to --events by the fast bulk path (each event's canonical text,
    leaf and link computed in Python exactly as the ledger does, loaded with COPY), then VACUUM ANALYZE
    as autovacuum would do after a bulk load;
  * verify: verify_chain() in a fresh process with signed checkpoints at the head (database and
    directory, so the Merkle root is recomputed as in production): --repeat untraced runs (median and
    best events/s; the peak-RSS increase read from /proc after resetting the mark, see _reset_peak_rss)
    and one run under tracemalloc (peak of Python allocations).

Every figure depends on what else the machine is doing, so the load average is printed with them.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import platform
import resource
import secrets
import shlex
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(database_url: str, workdir: Path) -> None:
    """Production-like settings: DEBUG off (no query log), a real signing key, private directories."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="governance.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        ALLOWED_HOSTS="localhost",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        STEWARD_DATA_DIR=str(workdir),
        STEWARD_CHECKPOINT_KEY_FILE=str(workdir / "keys" / "checkpoint.pem"),
        STEWARD_CHECKPOINT_PUBLIC_KEY_FILE=str(workdir / "keys" / "checkpoint.pem.pub"),
        STEWARD_CHECKPOINT_DIR=str(workdir / "checkpoints"),
    )
    private = Path(os.environ["STEWARD_CHECKPOINT_KEY_FILE"])
    if not private.exists():
        from governance.audit.keys import generate_key_pair

        generate_key_pair(private, Path(os.environ["STEWARD_CHECKPOINT_PUBLIC_KEY_FILE"]))
    import django

    django.setup()


def admin_connection(database_url: str) -> tuple[Any, str]:
    import psycopg2

    parts = urlsplit(database_url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    return conn, parts.path.lstrip("/")


def create_database(database_url: str) -> None:
    conn, name = admin_connection(database_url)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(database_url: str) -> None:
    conn, name = admin_connection(database_url)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --- appends ---------------------------------------------------------------------------------------


def _payload(n: int) -> dict[str, object]:
    return {"kind": "version", "old": "submitted", "new": "in_validation", "reason": "", "transition": n}


def append_worker(
    database_url: str, workdir: str, writer: int, count: int, barrier: Any, results: Any
) -> None:
    """One writer: its own process and connection, one transaction per event, timed after the barrier."""
    configure(database_url, Path(workdir))
    from django.db import connection, transaction

    from governance.audit.actors import Actor
    from governance.audit.event_types import AuditAction
    from governance.audit.ledger import ObjectRef, record_event

    actor = Actor.system(f"bench-writer-{writer}", request_id=secrets.token_hex(16))
    ref = ObjectRef("inventory.assetversion", str(writer), f"Benchmark model {writer}")
    connection.ensure_connection()
    barrier.wait()
    latencies = []
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        with transaction.atomic():
            record_event(AuditAction.STAGE_CHANGED, actor=actor, obj=ref, payload=_payload(i))
        latencies.append(time.perf_counter() - t0)
    finished = time.perf_counter()
    connection.close()
    results.put((started, finished, latencies))


def measure_appends(database_url: str, workdir: Path, writers: int, per_writer: int) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(writers), ctx.Queue()
    processes = [
        ctx.Process(target=append_worker, args=(database_url, str(workdir), w, per_writer, barrier, results))
        for w in range(writers)
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=1800) for _ in processes]
    for p in processes:
        p.join()
        if p.exitcode:
            raise SystemExit(f"append writer failed with exit code {p.exitcode}")
    wall = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
    latencies = sorted(x for o in outcomes for x in o[2])
    return {
        "events": writers * per_writer,
        "seconds": wall,
        "rate": writers * per_writer / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
    }


def measure_commit_floor(database_url: str, count: int) -> dict[str, float]:
    """The server's floor for comparison: a plain INSERT of a similar row and COMMIT, no ledger at all."""
    import psycopg2

    conn = psycopg2.connect(database_url)
    row = "x" * 380
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit_floor (id bigint PRIMARY KEY, body text)")
    conn.commit()
    started = time.perf_counter()
    for i in range(count):
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit_floor VALUES (%s, %s)", [i, row])
        conn.commit()
    seconds = time.perf_counter() - started
    with conn.cursor() as cursor:
        cursor.execute("DROP TABLE bench_commit_floor")
    conn.commit()
    conn.close()
    return {"rate": count / seconds, "ms": seconds / count * 1000}


# --- bulk fill -------------------------------------------------------------------------------------


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def fill_chain(total: int, batch: int = 50_000) -> dict[str, float]:
    """Extend the chain to `total` events, hashed as record_event hashes them, loaded with COPY."""
    from django.db import connection, transaction

    from governance.audit.event_types import AuditAction
    from governance.audit.hashing import canonical_json, leaf_hash, link_hash
    from governance.audit.jsonvalues import utc_iso
    from governance.audit.ledger import FORMAT_VERSION
    from governance.audit.models import AuditEvent

    seq, previous, chain_id, moment = AuditEvent.objects.order_by("-seq").values_list(
        "seq", "link", "chain_id", "time"
    )[0]
    previous = bytes(previous)
    names = ["olivia", "victor", "alice", "tom", "carla"]
    users = [{"kind": "user", "id": str(1000 + i), "name": name} for i, name in enumerate(names)]
    stages = ["registered", "submitted", "in_validation", "validated", "approved", "deployed"]
    started, sizes = time.perf_counter(), 0
    count = total - seq
    with transaction.atomic(), connection.cursor() as cursor:
        buffer = io.StringIO()
        for n in range(1, count + 1):
            seq += 1
            moment += timedelta(microseconds=137)
            step = seq % 5
            body = {
                "v": FORMAT_VERSION,
                "chain_id": chain_id,
                "seq": seq,
                "time": utc_iso(moment),
                "actor": users[seq % len(users)],
                "action": AuditAction.STAGE_CHANGED.value,
                "object": {
                    "type": "inventory.assetversion",
                    "id": str(seq % 9973),
                    "repr": f"Credit PD {seq % 97}.{step}",
                },
                "payload": {
                    "kind": "version",
                    "old": stages[step],
                    "new": stages[step + 1],
                    "transition": seq,
                },
                # Web requests carry a request id; tasks, commands and registry deliveries do not.
                "request_id": secrets.token_hex(16) if seq % 3 == 0 else None,
            }
            canonical = canonical_json(body)
            sizes += len(canonical)
            leaf = leaf_hash(canonical)
            previous = link_hash(previous, leaf)
            buffer.write(
                f"{seq}\t{_copy_text(canonical.decode())}\t\\\\x{leaf.hex()}\t\\\\x{previous.hex()}\n"
            )
            if n % batch == 0 or n == count:
                buffer.seek(0)
                cursor.copy_expert("COPY audit_auditevent (seq, canonical, leaf, link) FROM STDIN", buffer)
                buffer = io.StringIO()
    with connection.cursor() as cursor:  # as autovacuum would soon after a bulk load
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    return {"events": count, "seconds": time.perf_counter() - started, "mean_bytes": sizes / max(count, 1)}


# --- verification ------------------------------------------------------------------------------------


def _proc_status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> int | None:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux clear_refs 5); returns the RSS in bytes.

    getrusage's ru_maxrss cannot be used on its own here: Linux carries it over from the parent across
    fork and exec, so a child started by a process that once used more memory reports the parent's peak.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    rss = _proc_status_kib("VmRSS")
    return None if rss is None else rss * 1024


def verify_worker(database_url: str, workdir: str, traced: bool, repeat: int, results: Any) -> None:
    """verify_chain() in a fresh interpreter, so its memory figures are its own."""
    configure(database_url, Path(workdir))
    from django.db import connection

    from governance.audit.verification import verify_chain

    connection.ensure_connection()
    outcome: dict[str, Any] = {"seconds": [], "rss_delta": 0}
    for _ in range(repeat):
        baseline = _reset_peak_rss()
        maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        report = verify_chain()
        outcome["seconds"].append(time.perf_counter() - started)
        if traced:
            outcome["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        peak = _proc_status_kib("VmHWM")
        if baseline is not None and peak is not None:
            outcome["rss_delta"] = max(outcome["rss_delta"], peak * 1024 - baseline)
            outcome["rss_source"] = "VmHWM after clear_refs"
        else:
            delta = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - maxrss_before
            outcome["rss_delta"] = max(outcome["rss_delta"], delta)
            outcome["rss_source"] = "getrusage ru_maxrss"
    outcome.update(
        status=report.status, size=report.size, checkpoints=[(c.source, c.ok) for c in report.checkpoints]
    )
    results.put(outcome)


def run_verify(database_url: str, workdir: Path, *, traced: bool, repeat: int = 1) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    process = ctx.Process(target=verify_worker, args=(database_url, str(workdir), traced, repeat, results))
    process.start()
    outcome = results.get(timeout=3600)
    process.join()
    return outcome


# --- main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/steward_bench")
    parser.add_argument("--events", type=int, default=1_000_000, help="chain size for verification")
    parser.add_argument("--appends", type=int, default=3_000, help="events appended by the single writer")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers in the second run")
    parser.add_argument("--repeat", type=int, default=3, help="untraced verification runs (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    command = " ".join(
        shlex.quote(a) for a in [".venv/bin/python", "benchmarks/audit_ledger.py", *sys.argv[1:]]
    )

    load = os.getloadavg()  # other work on the machine skews every figure: say how busy it was
    workdir = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    create_database(args.database_url)
    try:
        configure(args.database_url, workdir)
        from django.core.management import call_command
        from django.db import connection, connections, transaction

        from governance.audit.actors import Actor
        from governance.audit.checkpoints import write_checkpoint
        from governance.audit.event_types import AuditAction
        from governance.audit.ledger import record_event

        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            (server,) = cursor.fetchone()
            cursor.execute("SHOW synchronous_commit")
            (sync_commit,) = cursor.fetchone()
        with transaction.atomic():  # the genesis event, so every writer appends to an existing chain
            record_event(AuditAction.USER_UPDATED, actor=Actor.system("bench"), payload={})
        connections.close_all()  # nothing open while the writer processes start

        floor = measure_commit_floor(args.database_url, args.appends)
        one = measure_appends(args.database_url, workdir, 1, args.appends)
        many = measure_appends(args.database_url, workdir, args.writers, max(args.appends // args.writers, 1))
        fill = fill_chain(args.events)
        started = time.perf_counter()
        checkpoint = write_checkpoint()
        checkpoint_seconds = time.perf_counter() - started
        assert checkpoint is not None, "the ledger is empty"
        assert checkpoint.size == args.events, checkpoint
        connections.close_all()
        plain = run_verify(args.database_url, workdir, traced=False, repeat=args.repeat)
        traced = run_verify(args.database_url, workdir, traced=True)
        assert plain["status"] == "intact", plain
        assert plain["size"] == args.events, plain
        assert all(ok for _, ok in plain["checkpoints"]), plain["checkpoints"]
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)

    mb = 1024 * 1024
    runs = sorted(plain["seconds"])
    median, best = statistics.median(runs), runs[0]
    rows = [
        (
            f"reference: plain INSERT + COMMIT, no ledger ({args.appends:,}, 1 connection)",
            f"{floor['rate']:,.0f} commits/s  ({floor['ms']:.2f} ms each)",
            "",
        ),
        (
            f"append, 1 writer ({one['events']:,} events, a transaction each)",
            f"{one['rate']:,.0f} events/s  (p50 {one['p50_ms']:.2f} ms, p95 {one['p95_ms']:.2f} ms)",
            ">= 1,000/s",
        ),
        (
            f"append, {args.writers} writers ({many['events']:,} events, own processes and connections)",
            f"{many['rate']:,.0f} events/s  (p50 {many['p50_ms']:.2f} ms, p95 {many['p95_ms']:.2f} ms)",
            "",
        ),
        (
            f"bulk fill to {args.events:,} events (COPY, canonical text {fill['mean_bytes']:.0f} B mean)",
            f"{fill['seconds']:,.1f} s",
            "",
        ),
        (f"write_checkpoint() (Merkle root over {args.events:,} leaves)", f"{checkpoint_seconds:,.2f} s", ""),
        (
            f"verify_chain(), {args.events:,} events + 2 checkpoints, median of {len(runs)}",
            f"{args.events / median:,.0f} events/s  ({median:.2f} s; best {args.events / best:,.0f}/s)",
            ">= 100,000/s",
        ),
        (
            "verify peak Python memory (tracemalloc)",
            f"{traced['tracemalloc_peak'] / mb:.2f} MB  (traced run {traced['seconds'][0]:.2f} s)",
            "< 100 MB",
        ),
        (
            f"verify peak RSS increase ({plain['rss_source']})",
            f"{plain['rss_delta'] / mb:.2f} MB",
            "< 100 MB",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print("Steward audit ledger benchmark")
    print(f"command:    {command}")
    print(
        f"machine:    {platform.python_implementation()} {platform.python_version()}, PostgreSQL {server} "
        f"(synchronous_commit={sync_commit}), {os.cpu_count()} CPUs, {platform.machine()}; "
        f"load average {load[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )
    print()
    print(f"{'measure'.ljust(width)} | {'result'.ljust(value_width)} | target")
    print(f"{'-' * width}-|-{'-' * value_width}-|-{'-' * 12}")
    for name, value, target in rows:
        print(f"{name.ljust(width)} | {value.ljust(value_width)} | {target}")


if __name__ == "__main__":
    main()
