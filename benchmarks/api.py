"""Benchmark the public API under gunicorn (2 workers) on PostgreSQL, with load over loopback.

    .venv/bin/python benchmarks/api.py --database-url postgres://postgres@127.0.0.1:5432/steward_bench_api

Creates the database named in the URL (dropping one of that name), migrates it, seeds an inventory
(--versions versions of one team's assets, a blocking finding so the gate takes its two-query path,
an MLflow connection) and starts `gunicorn -w 2` with production settings (DEBUG off) and a Redis
broker (tasks are queued, no worker consumes them: intake is what is measured). Then, with
--clients concurrent keep-alive connections from wrk (Debian: apt-get install wrk; a C load
generator, so the client takes little of the machine's two cores) for --seconds each, it measures:

  * baseline: a plain DRF list of the same versions, 50 a page (benchmarks/drf_baseline.py), served
    by the same gunicorn: the list target is "at least the plain DRF baseline";
  * list: GET /api/v1/versions/?page_size=50 (and the query count for page sizes 10, 50 and 200);
  * gate: GET /api/v1/gate/?version_id=… (a blocked version: both queries run);
  * intake: POST signed MLflow deliveries, each with a fresh delivery id (signed beforehand, within
    the ±5 min window, and replayed by a wrk Lua script); afterwards every 200 must be a stored row
    (none lost).
The scenarios take turns in --rounds short runs, after a warm-up: the machine's speed drifts, and
the figures are read against the baseline measured alongside them. Prints requests/s, p50 (median
round) and p99 (worst round) and compares them with the targets, as measured and scaled to the
team's machine (where the baseline serves about 300 req/s). Drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.audit_ledger import configure, create_database, drop_database  # noqa: E402

QUEUE = "steward-bench-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(versions: int) -> dict[str, object]:
    """Demo-like data made through the services (so every row has its audit events)."""
    from governance.accounts import services as accounts
    from governance.audit.actors import Actor
    from governance.integrations.connections import create_connection
    from governance.inventory import services as inventory
    from governance.oversight.findings import raise_finding
    from lifecycle.approvals.proposals import propose_asset

    system = Actor.system("bench")
    team = accounts.create_team(actor=system, slug="retail-credit", name="Retail Credit")
    other = accounts.create_team(actor=system, slug="marketing", name="Marketing")
    owner = accounts.create_user(actor=system, username="olivia", roles=["owner"], teams=[team])
    outsider = accounts.create_user(actor=system, username="xena", roles=["owner"], teams=[other])
    admin = accounts.create_user(actor=system, username="adam", roles=["admin"])
    made = []
    for a in range(max(versions // 50, 1)):
        asset = propose_asset(
            actor=Actor.for_user(owner),
            team=team,
            slug=f"model-{a}",
            name=f"Model {a}",
            purpose="Benchmark asset.",
            ai_act_category="high",
            materiality_tier=1,
        )
        for v in range(50):
            made.append(inventory.register_version(actor=Actor.for_user(owner), asset=asset, label=f"1.{v}"))
    hidden = propose_asset(
        actor=Actor.for_user(outsider),
        team=other,
        slug="hidden",
        name="Hidden",
        purpose="x",
        ai_act_category="minimal",
        materiality_tier=3,
    )
    for v in range(200):  # another team's versions: the list must filter them out
        inventory.register_version(actor=Actor.for_user(outsider), asset=hidden, label=f"9.{v}")
    gated = made[0]
    raise_finding(actor=system, asset=gated.asset, version=gated, title="Leaky feature", severity="high")
    token = accounts.create_token(actor=Actor.for_user(owner), user=owner, name="bench", scope="write").secret
    created = create_connection(
        actor=Actor.for_user(admin),
        name="mlflow-bench",
        kind="mlflow",
        registry_url="http://127.0.0.1:9",
        team=team,
        default_owner=owner,
    )
    return {
        "token": token,
        "gate_version": gated.pk,
        "hook_path": created.connection.webhook_path,
        "secret": created.webhook_secret,
        "connection": created.connection.pk,
    }


def list_query_counts(token: str) -> dict[int, int]:
    """Queries per list request for several page sizes (in-process, same settings)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    counts = {}
    for size in (10, 50, 200):
        client.get(f"/api/v1/versions/?page_size={size}", HTTP_HOST="localhost")  # warm per-request caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/versions/?page_size={size}", HTTP_HOST="localhost")
        assert response.status_code == 200, response.content[:300]
        counts[size] = len(ctx.captured_queries)
    return counts


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    # Steward's settings and URLs, plus the plain DRF baseline at /baseline/versions/.
    env = env | {"DJANGO_SETTINGS_MODULE": "benchmarks.drf_baseline_settings"}
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "governance.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/me/", timeout=2).status_code in (200, 401, 403):
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("gunicorn did not start:\n" + log.read_text()[-2000:])


WRK_THREADS = 2
# Printed by wrk when it finishes: one JSON line the benchmark reads back.
WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, e.connect + e.read + e.write + e.timeout, e.status))
end
"""
# Replays the pre-signed deliveries: wrk thread k of n sends deliveries k, k + n, k + 2n, … once
# each; a thread that runs out asks for a missing page (a 404, counted as a failure).
WRK_DELIVERIES = r"""
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
local i = 0
function init(args) i = id end
function request()
  local d = deliveries[i]
  if d == nil then return wrk.format("GET", "/deliveries-exhausted/") end
  i = i + THREADS
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["X-MLflow-Delivery-Id"] = d[1], ["X-MLflow-Timestamp"] = TIMESTAMP,
    ["X-MLflow-Signature"] = d[2]}, d[3])
end
"""


def wrk(name: str, url: str, *, clients: int, seconds: float, script: str, headers: dict[str, str]) -> dict:
    """Run wrk against `url`; returns requests, req/s, p50/p99 (ms) and failures (errors, non-2xx)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + WRK_REPORT)
    command = ["wrk", "-t", str(WRK_THREADS), "-c", str(clients), "-d", f"{seconds:.0f}s"]
    command += ["-s", lua.name, "--timeout", "10s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    run = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    os.unlink(lua.name)
    line = next(x for x in run.stdout.splitlines() if x.startswith("WRK "))
    figures = json.loads(line[4:])
    return {"name": name, "rps": figures["requests"] / figures["seconds"], **figures}


TEAM_BASELINE_RPS = 300  # the plain DRF list of 50 rows with 2 gunicorn workers, on the team's machine


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def combined(name: str, runs: list[dict]) -> dict:
    """One scenario's rounds as one figure: all requests over all seconds, the median round's p50
    and the worst round's p99."""
    requests, seconds = sum(r["requests"] for r in runs), sum(r["seconds"] for r in runs)
    p50s = sorted(r["p50_ms"] for r in runs)
    return {
        "name": name,
        "requests": requests,
        "seconds": seconds,
        "rps": requests / seconds,
        "p50_ms": p50s[len(p50s) // 2],
        "p99_ms": max(r["p99_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "rounds": [round(r["rps"]) for r in runs],
    }


def signed_deliveries(secret: str, count: int) -> str:
    """A wrk Lua script sending `count` distinct signed MLflow deliveries, each once."""
    from governance.integrations import signatures

    now = str(int(time.time()))  # all signed now: the run ends well inside the ±5 min window
    rows = []
    for i in range(count):
        body = json.dumps(
            {
                "entity": "model_version",
                "action": "created",
                "timestamp": "2026-01-01T00:00:00+00:00",
                "data": {"name": f"bench-{i % 97}", "version": str(i), "source": "s3://m", "tags": {}},
            }
        )
        delivery = str(uuid.uuid4())
        signature = signatures.sign(secret, delivery, now, body.encode())
        # JSON string literals of ASCII text are valid Lua string literals.
        rows.append(f"{{{json.dumps(delivery)}, {json.dumps(signature)}, {json.dumps(body)}}}")
    return (
        f"local THREADS, TIMESTAMP = {WRK_THREADS}, {json.dumps(now)}\n"
        + "local deliveries = {\n"
        + ",\n".join(rows)
        + "\n}\n"
        + WRK_DELIVERIES
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/steward_bench_api")
    parser.add_argument(
        "--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/4")
    )
    parser.add_argument("--versions", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5, help="turns the GET scenarios take (see main)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    create_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="steward-bench-api-"))
    os.environ.update(
        CELERY_BROKER_URL=args.broker_url,
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        SECURE_SSL_REDIRECT="0",
        STEWARD_BASE_URL="http://127.0.0.1",
    )
    configure(args.database_url, workdir)
    os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    call_command("migrate", verbosity=0)
    data = seed(args.versions)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner statistics autovacuum would have gathered by now
    counts = list_query_counts(str(data["token"]))

    port = free_port()
    gunicorn = start_gunicorn(dict(os.environ), port, workdir / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {data['token']}"}
    results = []
    try:
        gets = (
            ("plain DRF list (page of 50)", f"{base}/baseline/versions/"),
            ("versions list (page of 50)", f"{base}/api/v1/versions/?page_size=50"),
            ("deployment gate", f"{base}/api/v1/gate/?version_id={data['gate_version']}"),
        )
        from governance.integrations.models import WebhookDelivery

        hook = f"{base}{data['hook_path']}"
        deliveries = WebhookDelivery.objects.filter(connection_id=data["connection"])
        for name, url in gets:  # warm-up
            wrk(name, url, clients=args.clients, seconds=2, script="", headers=auth)
        script = signed_deliveries(str(data["secret"]), 3_000 * 2)
        wrk("webhook intake", hook, clients=args.clients, seconds=2, script=script, headers={})
        stored_before = deliveries.count()
        # This machine's speed drifts (2x between days, a fifth between minutes), and the figures are
        # read against the baseline: the scenarios take turns in short rounds, so drift falls on all
        # of them alike.
        seconds = args.seconds / args.rounds
        rounds: dict[str, list[dict]] = {name: [] for name, _ in gets} | {"webhook intake": []}
        for _ in range(args.rounds):
            for name, url in gets:
                result = wrk(name, url, clients=args.clients, seconds=seconds, script="", headers=auth)
                assert result["errors"] == result["non_2xx"] == 0, f"{name}: {result}"
                rounds[name].append(result)
            # Fresh deliveries each round, enough for 3,000/s; a thread that runs out sends a 404
            # (counted as a failure, not stored).
            script = signed_deliveries(str(data["secret"]), int(3_000 * seconds))
            sent = wrk(
                "webhook intake", hook, clients=args.clients, seconds=seconds, script=script, headers={}
            )
            rounds["webhook intake"].append(sent)
        results += [combined(name, runs) for name, runs in rounds.items()]

        intake = results[-1]
        accepted = intake["requests"] - intake["non_2xx"] - intake["errors"]
        # wrk counts the responses it read before the clock stopped; deliveries still in flight then
        # are stored too, so stored >= answered, and "lost" is an answered delivery with no row.
        stored = deliveries.count() - stored_before
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        from governance.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(QUEUE)

    print(
        f"\nSteward API benchmark: gunicorn -w 2 (sync), PostgreSQL, wrk with {args.clients} connections, "
        f"{args.seconds:.0f} s per scenario, {args.versions} versions visible to the caller\n"
    )
    print(f"{'scenario':<30} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        line = f"{r['name']:<30} {r['requests']:>9} {r['rps']:>9.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}"
        print(line + (f"   rounds (req/s): {r['rounds']}" if "rounds" in r else ""))
    print(f"\nqueries per versions-list request by page size: {counts}")
    lost = max(0, accepted - stored)
    print(
        f"webhook deliveries answered 200: {accepted}, stored: {stored} (in flight at the end included), "
        f"lost: {lost}, "
        f"other answers: {intake['non_2xx']}, socket errors: {intake['errors']}"
    )
    baseline, listing, gate, intake = results
    # The absolute targets assume the team's machine, where this plain DRF list serves about
    # TEAM_BASELINE_RPS. On a slower or busier machine, figures scaled by the baseline measured
    # alongside estimate what that machine would show (assuming speed scales linearly).
    speed = TEAM_BASELINE_RPS / baseline["rps"]
    gate_p99, gate_p99_scaled = gate["p99_ms"], gate["p99_ms"] / speed
    intake_rps = intake["rps"]
    intake_ok = not lost and not intake["non_2xx"] and not intake["errors"]
    print(
        f"\ntargets (measured here; and scaled to the team's machine, where the plain DRF list serves "
        f"{TEAM_BASELINE_RPS} req/s: here it served {baseline['rps']:.0f}, a factor {speed:.2f}):"
    )
    print(
        f"  gate p99 < 25 ms at {args.clients} clients: {gate_p99:.1f} ms here "
        f"({verdict(gate_p99 < 25)}), {gate_p99_scaled:.1f} ms scaled ({verdict(gate_p99_scaled < 25)})"
    )
    print(
        f"  webhook intake >= 300/s, none lost: {intake_rps:.0f}/s here ({verdict(intake_rps >= 300)}), "
        f"{intake_rps * speed:.0f}/s scaled ({verdict(intake_rps * speed >= 300)}); "
        f"lost {lost}, failed {intake['non_2xx'] + intake['errors']} ({verdict(intake_ok)})"
    )
    at_least_baseline = listing["rps"] >= baseline["rps"] and len(set(counts.values())) == 1
    print(
        f"  versions list >= the plain DRF baseline, constant queries: {listing['rps']:.0f}/s against "
        f"{baseline['rps']:.0f}/s ({listing['rps'] / baseline['rps']:.2f}x), {counts} "
        f"({verdict(at_least_baseline)})"
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)


if __name__ == "__main__":
    main()
