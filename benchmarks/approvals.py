"""Benchmark approvals on PostgreSQL: signing decisions, the inbox badge, the gates dry run, a race.

    .venv/bin/python benchmarks/approvals.py --database-url postgres://postgres@127.0.0.1:5432/steward_bench_appr

Creates the database named in the URL (dropping one of that name), migrates it, seeds the demo data,
adds --proposals open asset proposals, then measures with production settings (DEBUG off, PBKDF2
password hashing, so a password signature costs what it costs in production):

  * sign: one plain approval per proposal (minimal risk: quorum 1), each a full decide() — password
    check, locks, digest, gates, decision, request closed, transition, audit events, notifications;
  * inbox: inbox_count() for an approver (the navigation badge, one query) with the proposals open;
  * dry run: dry_run() of a validated version (every gate, seat and rule);
  * race: --racers threads sign one quorum-3 request at once; wall time until all have an answer.
Prints a table and drops the database (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.audit_ledger import configure, create_database, drop_database  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/steward_bench_appr")
    parser.add_argument("--proposals", type=int, default=200)
    parser.add_argument("--racers", type=int, default=50)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    create_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="steward-bench-approvals-"))
    # Emails are built and "sent" as in production, into memory rather than the console.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    configure(args.database_url, workdir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)


def run(args: argparse.Namespace) -> None:
    from django.db import connection

    from governance.accounts.models import User
    from governance.audit.actors import Actor
    from governance.embedded.seed import DEMO_PASSWORD, seed_demo
    from governance.inventory.models import AssetVersion
    from lifecycle.approvals.decisions import decide
    from lifecycle.approvals.dry_run import dry_run
    from lifecycle.approvals.policies import RuleSpec, update_policy
    from lifecycle.approvals.proposals import propose_asset
    from lifecycle.approvals.queries import open_request
    from lifecycle.approvals.signing import Signature
    from lifecycle.inbox import inbox_count
    from lifecycle.models import ApprovalPolicy

    start = time.perf_counter()
    cast = seed_demo()
    seeded = time.perf_counter() - start
    olivia, alice = cast.users["olivia"], cast.users["alice"]
    team = cast.teams["retail-credit"]
    proposals = [
        propose_asset(
            actor=Actor.for_user(olivia),
            team=team,
            slug=f"bench-{n}",
            name=f"Bench model {n}",
            purpose="Benchmark.",
            ai_act_category="minimal",
            materiality_tier=3,
        )
        for n in range(args.proposals)
    ]
    inbox = timed(lambda: inbox_count(User.objects.get(pk=alice.pk)), 50)
    validated = AssetVersion.objects.filter(stage="validated").select_related("asset").first()
    runs = timed(lambda: dry_run(validated, alice), 30)

    def sign(asset) -> None:
        request = open_request(asset)
        decide(
            request.pk,
            actor=Actor.for_user(alice),
            meaning="approve",
            digest_seen=request.digest,
            signature=Signature(password=DEMO_PASSWORD),
        )

    signing = [timed(lambda a=a: sign(a), 1)[0] for a in proposals]

    # The race: a quorum of three on the high-risk policy, every racer an approver in the committee.
    policy = ApprovalPolicy.objects.get(key="high-risk", is_current=True)
    rules = [RuleSpec.of(r) for r in policy.rules.all()]
    for rule in rules:
        rule.quorum = 3
    update_policy(actor=Actor.system("bench"), policy=policy, rules=rules)
    from governance.accounts import services as accounts

    committee = cast.teams["model-risk"]
    racers = [
        accounts.create_user(
            actor=Actor.system("bench"),
            username=f"racer{n}",
            email=f"r{n}@x.test",
            password=DEMO_PASSWORD,
            roles=["approver"],
            teams=[committee],
        )
        for n in range(args.racers)
    ]
    target = propose_asset(
        actor=Actor.for_user(olivia),
        team=team,
        slug="bench-race",
        name="Race",
        purpose="Benchmark.",
        ai_act_category="high",
        materiality_tier=1,
    )
    request = open_request(target)
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def racer(user) -> None:
        barrier.wait()
        try:
            decide(
                request.pk,
                actor=Actor.for_user(user),
                meaning="approve",
                digest_seen=request.digest,
                signature=Signature(password=DEMO_PASSWORD),
            )
            outcomes.append("signed")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(u,)) for u in racers]
    race_start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    race = time.perf_counter() - race_start

    def ms(samples: list[float]) -> str:
        p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
        return f"median {statistics.median(samples) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"

    print(f"seed_demo (demo data through the services)      {seeded:7.2f} s")
    print(f"inbox_count, {args.proposals + 3} open requests            {ms(inbox)}")
    print(f"dry_run of a validated version                 {ms(runs)}")
    rate = len(signing) / sum(signing)
    print(f"decide() with a password signature, {len(signing)} runs  {ms(signing)}  ({rate:.1f}/s)")
    counts = {o: outcomes.count(o) for o in sorted(set(outcomes))}
    print(f"race: {args.racers} signers on one quorum-3 request     {race:7.2f} s wall   outcomes {counts}")


if __name__ == "__main__":
    main()
