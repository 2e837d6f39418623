"""Benchmark monitoring ingest and the governance dashboard on PostgreSQL, with production settings.

    .venv/bin/python benchmarks/monitoring.py [--database-url postgres://postgres@127.0.0.1:5432/steward_bench_monitoring]

The script creates the database named in the URL (dropping a previous one of that name), migrates it,
measures, prints the figures and drops the database again (unless --keep). Targets (issue 7):

  * ingest: 100,000 observations through the HTTP API (gunicorn, DEBUG off, integration token) in
    batches of 1,000, at least 5,000 observations/s; and the time until every breach has its incident.
    Each batch is evaluated (findings, incidents, suspension) by a Celery worker on Redis, queued when
    the batch commits; the script polls until every batch is evaluated and then checks by query that
    every breached metric has its incident.
  * dashboard: 10,000 assets and 100,000 versions (bulk-inserted for seeding speed, with plans,
    observations, findings and incidents), the page rendered for a compliance officer in under 300 ms
    median with a fixed number of queries (counted for the full and for a tenth of the data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def environment(database_url: str, workdir: Path) -> dict[str, str]:
    """Production-like settings: DEBUG off (no query log), PostgreSQL, a real signing key, private dirs."""
    return {
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STEWARD_DATA_DIR": str(workdir),
        "STEWARD_CHECKPOINT_KEY_FILE": str(workdir / "keys" / "checkpoint.pem"),
        "STEWARD_CHECKPOINT_PUBLIC_KEY_FILE": str(workdir / "keys" / "checkpoint.pem.pub"),
        "STEWARD_CHECKPOINT_DIR": str(workdir / "checkpoints"),
        "STEWARD_MAX_REQUEST_BODY_BYTES": str(4 * 1024 * 1024),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",  # notifications: no SMTP here
        "CELERY_BROKER_URL": os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/5"),
        "CELERY_TASK_DEFAULT_QUEUE": "steward-bench-monitoring",
    }


def configure(env: dict[str, str]) -> None:
    os.environ.update(env)
    private = Path(env["STEWARD_CHECKPOINT_KEY_FILE"])
    if not private.exists():
        from governance.audit.keys import generate_key_pair

        generate_key_pair(private, Path(env["STEWARD_CHECKPOINT_PUBLIC_KEY_FILE"]))
    import django

    django.setup()


def admin_connection(database_url: str):  # type: ignore[no-untyped-def]
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
    from django.db import connections

    connections.close_all()
    conn, name = admin_connection(database_url)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --- Seeding --------------------------------------------------------------------------------------
METRICS = [
    {"key": "auc", "name": "AUC", "kind": "performance", "direction": "higher_is_better",
     "warning_threshold": 0.75, "breach_threshold": 0.70, "suspend_on_breach": True},
    {"key": "psi_income", "name": "PSI of income", "kind": "drift", "feature": "income",
     "direction": "lower_is_better", "warning_threshold": 0.1, "breach_threshold": 0.25},
    {"key": "latency_p95", "name": "Latency p95", "kind": "latency", "direction": "lower_is_better",
     "warning_threshold": 200.0, "breach_threshold": 400.0, "unit": "ms"},
]  # fmt: skip


def seed_people():  # type: ignore[no-untyped-def]
    from governance.accounts import services as accounts
    from governance.audit.actors import Actor

    system = Actor.system("benchmark")
    teams = [
        accounts.create_team(actor=system, slug=f"team-{i}", name=f"Team {i}", is_risk_committee=i == 0)
        for i in range(10)
    ]
    owner = accounts.create_user(actor=system, username="owner", roles=["owner"], teams=[teams[1]])
    compliance = accounts.create_user(actor=system, username="compliance", roles=["compliance"])
    bot = accounts.create_user(actor=system, username="monitoring-bot", teams=[teams[1]])
    token = accounts.create_token(actor=system, user=bot, name="bench", scope="integration")
    return teams, owner, compliance, token.secret


def bulk_versions(teams, owner, *, assets: int, per_asset: int, team=None, deployed_share=0.7, prefix="a"):  # type: ignore[no-untyped-def]
    """Assets and versions by bulk insert (no audit events: seeding speed only); each asset's latest
    version is deployed for `deployed_share` of the assets, the others spread over the other stages."""
    from governance.inventory.models import Asset, AssetVersion

    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    asset_rows = [
        Asset(
            slug=f"{prefix}-{i}",
            name=f"Asset {prefix} {i}",
            team=team or teams[i % len(teams)],
            owner=owner,
            created_by=owner,
            purpose="Benchmark asset.",
            ai_act_category=rng.choice(["minimal", "limited", "high"]),
            materiality_tier=rng.choice([1, 2, 3]),
            stage=rng.choices(["active", "proposed", "retired"], [0.85, 0.1, 0.05])[0],
        )
        for i in range(assets)
    ]
    Asset.objects.bulk_create(asset_rows, batch_size=5000)
    others = ["registered", "submitted", "in_validation", "validated", "approved", "deprecated", "retired"]
    version_rows = []
    for asset in asset_rows:
        deployed = asset.stage == "active" and rng.random() < deployed_share
        for n in range(per_asset):
            latest = n == per_asset - 1
            stage = "deployed" if deployed and latest else ("retired" if not latest else rng.choice(others))
            version_rows.append(
                AssetVersion(
                    asset=asset,
                    label=f"{n}.0",
                    registered_by=owner,
                    stage=stage,
                    created_at=now - dt.timedelta(days=per_asset - n),
                    next_review_at=now + dt.timedelta(days=rng.randint(-30, 300))
                    if stage == "deployed"
                    else None,
                )
            )
    AssetVersion.objects.bulk_create(version_rows, batch_size=5000)
    return asset_rows, version_rows


def bulk_plans(versions) -> dict[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    """A three-metric plan for each version; returns version id -> metric key -> metric id."""
    from governance.oversight.models.monitoring import MonitoringPlan, WatchedMetric

    plans = MonitoringPlan.objects.bulk_create([MonitoringPlan(version=v) for v in versions], batch_size=5000)
    metrics = WatchedMetric.objects.bulk_create(
        [WatchedMetric(plan=p, position=i, **m) for p in plans for i, m in enumerate(METRICS)],
        batch_size=5000,
    )
    index: dict[int, dict[str, int]] = {}
    for metric in metrics:
        index.setdefault(metric.plan.version_id, {})[metric.key] = metric.pk
    return index


# --- Ingest through the API -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "governance.wsgi:application", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            if conn.getresponse().status in {200, 302}:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def start_worker(env: dict[str, str], concurrency: int) -> subprocess.Popen:
    """A Celery worker on the benchmark's broker and database (evaluates the stored batches)."""
    from governance.celery import app

    with app.connection_for_write() as conn:  # start from an empty queue
        conn.default_channel.queue_purge(env["CELERY_TASK_DEFAULT_QUEUE"])
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "governance", "worker", "-l", "warning", "-Q",
         env["CELERY_TASK_DEFAULT_QUEUE"], "-c", str(concurrency), "-n", f"bench-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5, destination=[f"bench-{os.getpid()}@{socket.gethostname()}"]):
            return process
    process.kill()
    raise RuntimeError("the Celery worker did not start")


def make_batches(versions, total: int, size: int, rng: random.Random):  # type: ignore[no-untyped-def]
    """`total` observations in batches of `size`, as a monitoring job sends them: each batch holds a few
    models' daily windows (so batches for different models run in parallel), with about 2% warnings
    and 0.2% breaches."""
    end0 = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    per_version = -(-total // len(versions))
    days = -(-per_version // len(METRICS))
    items = []
    for version in versions:
        for day in range(days):
            end = end0 - dt.timedelta(days=day + 1)
            window = {"window_start": (end - dt.timedelta(days=1)).isoformat(), "window_end": end.isoformat()}
            for metric in METRICS:
                roll = rng.random()
                if metric["key"] == "auc":
                    value = 0.65 if roll < 0.002 else (0.74 if roll < 0.02 else 0.8 + rng.random() * 0.05)
                elif metric["key"] == "psi_income":
                    value = 0.3 if roll < 0.002 else (0.15 if roll < 0.02 else rng.random() * 0.08)
                else:
                    value = 450.0 if roll < 0.002 else (250.0 if roll < 0.02 else 90 + rng.random() * 60)
                items.append(
                    {"version": version.pk, "metric": metric["key"], "value": round(value, 4)} | window
                )
    items = items[:total]
    batches = [json.dumps({"observations": items[k : k + size]}).encode() for k in range(0, total, size)]
    rng.shuffle(batches)
    return batches


def bench_ingest(env: dict[str, str], secret: str, owner, teams, args) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from governance.inventory.models import AssetVersion
    from governance.oversight.models import Incident, Observation, ObservationBatch

    # 200 versions in the token's team, about half deployed (a breach of AUC suspends those).
    _, versions = bulk_versions(
        teams, owner, assets=200, per_asset=1, team=teams[1], deployed_share=0.5, prefix="m"
    )
    bulk_plans(versions)
    # One batch more than measured: the first one warms the servers up and is not timed.
    batches = make_batches(versions, args.observations + args.batch, args.batch, random.Random(11))
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    worker = start_worker(env, args.evaluators)
    latencies: list[float] = []
    statuses: list[int] = []

    def post(body: bytes) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        conn.request(
            "POST", "/api/v1/observations/", body,
            {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )  # fmt: skip
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        statuses.append(response.status)
        conn.close()

    try:
        post(batches[0])  # warm-up: workers import everything, the token's first use is recorded
        latencies.clear()
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(post, batches[1:]))
        elapsed = time.perf_counter() - start
        # Every breach has its incident once every batch is evaluated: poll until then.
        while ObservationBatch.objects.filter(evaluated_at__isnull=True).exists():
            if time.perf_counter() - start > 600:
                raise RuntimeError("batches still unevaluated after 10 minutes")
            time.sleep(0.05)
        acted = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
        worker.terminate()
        worker.wait(timeout=30)
    bad = [s for s in statuses if s != 201]
    if bad:
        raise RuntimeError(f"{len(bad)} batches failed: {sorted(set(bad))}")
    sent = args.batch * (len(batches) - 1)
    # Every (version, metric) with a breach has an incident: checked after the last response.
    check_started = time.perf_counter()
    breached = set(
        Observation.objects.filter(status="breach").values_list("version_id", "metric_id").distinct()
    )
    with_incident = set(Incident.objects.values_list("version_id", "metric_id"))
    missing = breached - with_incident
    check_s = time.perf_counter() - check_started
    breaches = Observation.objects.filter(status="breach").count()
    return {
        "observations": sent,
        "seconds": elapsed,
        "per_second": sent / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
        "breaches": breaches,
        "suspended": AssetVersion.objects.filter(stage="suspended").count(),
        "breached_metrics": len(breached),
        "incidents": Incident.objects.count(),
        "missing_incidents": len(missing),
        "check_s": check_s,
        "acted_s": acted,
    }


# --- The dashboard --------------------------------------------------------------------------------
def seed_dashboard(teams, owner, args, prefix: str) -> None:  # type: ignore[no-untyped-def]
    from governance.oversight.models import Finding, Incident, IncidentKind, Observation, ObservationBatch

    rng = random.Random(3)
    _, versions = bulk_versions(
        teams, owner, assets=args.assets, per_asset=args.versions // args.assets, prefix=prefix
    )
    deployed = [v for v in versions if v.stage == "deployed"]
    planned = deployed[: len(deployed) // 2]
    metric_ids = bulk_plans(planned)
    batch = ObservationBatch.objects.create(actor_kind="system", actor_id="bench", actor_name="bench", size=0,
                                            stored=0, duplicates=0)  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    observations = []
    for version in planned[: int(len(planned) * 0.8)]:
        for metric_id in metric_ids[version.pk].values():
            end = now - dt.timedelta(days=rng.randint(0, 14))
            observations.append(
                Observation(version=version, metric_id=metric_id, value=0.8, status="ok", batch=batch,
                            window_start=end - dt.timedelta(days=1), window_end=end)
            )  # fmt: skip
    Observation.objects.bulk_create(observations, batch_size=5000)
    # The ingest keeps each plan's latest window; the bulk insert above bypassed it, so set it here.
    from django.db.models import Max, OuterRef, Subquery

    from governance.oversight.models import MonitoringPlan

    latest = Observation.objects.filter(version_id=OuterRef("version_id")).order_by().values("version_id")
    MonitoringPlan.objects.filter(version__in=planned).update(
        last_observed_at=Subquery(latest.annotate(last=Max("window_end")).values("last"))
    )
    findings = [
        Finding(asset_id=v.asset_id, version=v, title="Benchmark finding", raised_by_name="bench",
                severity=rng.choice(["high", "low"]))
        for v in rng.sample(deployed, min(500, len(deployed)))
    ]  # fmt: skip
    Finding.objects.bulk_create(findings)
    kind = IncidentKind.objects.get(slug="serious-incident")
    Incident.objects.bulk_create(
        [
            Incident(asset_id=v.asset_id, version=v, kind=kind, severity="high", title="Benchmark incident",
                     detected_at=now - dt.timedelta(days=rng.randint(0, 20)), opened_by_name="bench",
                     report_due_at=now + dt.timedelta(days=rng.randint(-5, 15)))
            for v in rng.sample(deployed, min(300, len(deployed)))
        ]
    )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done on a settled database


def bench_dashboard(compliance, runs: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lifecycle.dashboard import dashboard_for

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(compliance)
    for _ in range(3):
        assert client.get("/oversight/dashboard/", secure=True).status_code == 200
    timings, query_counts, figures = [], [], []
    for _ in range(runs):  # page and figures interleaved, so both see the same machine load
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/oversight/dashboard/", secure=True)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200
        query_counts.append(len(captured))
        started = time.perf_counter()
        dashboard_for(compliance)
        figures.append(time.perf_counter() - started)
    return {
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": sorted(timings)[max(0, int(len(timings) * 0.95) - 1)] * 1000,
        "queries": max(query_counts),
        "queries_min": min(query_counts),
        "figures_median_ms": statistics.median(figures) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/steward_bench_monitoring"
    )
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=3, help="concurrent API clients")
    parser.add_argument("--evaluators", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--only", choices=["ingest", "dashboard"], help="run one part only")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="steward-bench-monitoring-"))
    env = environment(args.database_url, workdir)
    create_database(args.database_url)
    configure(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        teams, owner, compliance, secret = seed_people()
        if args.only != "dashboard":
            report_ingest(bench_ingest(env, secret, owner, teams, args), args)
        if args.only != "ingest":
            report_dashboard(teams, owner, compliance, args)
    finally:
        if not args.keep:
            drop_database(args.database_url)
        shutil.rmtree(workdir, ignore_errors=True)


def report_ingest(ingest: dict[str, float], args: argparse.Namespace) -> None:
    if args:
        print(f"ingest: {ingest['observations']:,} observations in batches of {args.batch:,} ({args.clients} "
              f"clients, gunicorn {args.workers} workers, PostgreSQL, DEBUG off)")  # fmt: skip
        print(f"  {ingest['seconds']:.2f} s, {ingest['per_second']:,.0f} observations/s (target >= 5,000); "
              f"batch latency p50 {ingest['p50_ms']:.0f} ms, p99 {ingest['p99_ms']:.0f} ms")  # fmt: skip
        print(f"  {ingest['breaches']:,} breaching observations on {ingest['breached_metrics']} metrics -> "
              f"{ingest['incidents']} incidents, {ingest['missing_incidents']} without one, "
              f"{ingest['suspended']} deployed versions suspended through transition()")  # fmt: skip
        print(f"  every breach had its incident {ingest['acted_s']:.2f} s after the first request, "
              f"{ingest['acted_s'] - ingest['seconds']:.2f} s after the last response ({args.evaluators} "
              f"Celery worker processes evaluating batches on commit)")  # fmt: skip


def report_dashboard(teams, owner, compliance, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    if args:
        small = argparse.Namespace(
            **vars(args) | {"assets": args.assets // 10, "versions": args.versions // 10}
        )
        seed_dashboard(teams, owner, small, "s")
        few = bench_dashboard(compliance, max(5, args.runs // 2))
        rest = {"assets": args.assets - small.assets, "versions": args.versions - small.versions}
        seed_dashboard(teams, owner, argparse.Namespace(**vars(args) | rest), "b")
        many = bench_dashboard(compliance, args.runs)
        from governance.inventory.models import Asset, AssetVersion

        print(f"dashboard: {Asset.objects.count():,} assets, {AssetVersion.objects.count():,} versions "
              f"(compliance officer, full page rendered in-process, {args.runs} runs)")  # fmt: skip
        print(f"  median {many['median_ms']:.0f} ms, p95 {many['p95_ms']:.0f} ms (target < 300 ms median); "
              f"figures alone {many['figures_median_ms']:.0f} ms")  # fmt: skip
        print(f"  queries per page: {many['queries']} (with a tenth of the data: {few['queries']}; "
              f"fixed: {'yes' if many['queries'] == few['queries'] else 'NO'})")  # fmt: skip


if __name__ == "__main__":
    main()
