"""Hostile text in every user-written field reaches the PDF as text and makes the renderer fetch nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory import services as inventory
from governance.oversight.findings import raise_finding
from governance.reports.models import ReportStatus
from governance.reports.rendering import render_pdf
from lifecycle.transitions import transition
from tests.factories import make_asset, make_version, walk_version_to
from tests.governance.reports.conftest import pdf_bytes, render
from tests.governance.reports.helpers import LoopbackListener, pdf_text


@pytest.fixture
def listener():
    server = LoopbackListener()
    yield server
    server.close()


def payload(port: int, field: str) -> str:
    base = f"http://127.0.0.1:{port}/{field}"
    return (
        f'<img src="{base}/img"><link rel="stylesheet" href="{base}/css">'
        f'<a href="file:///etc/passwd">x</a><style>@import url({base}/import);</style>'
        f'<div style="background:url({base}/bg)">{field}</div> url({base}/css-text) '
        f'<object data="{base}/obj"></object><svg><image href="{base}/svg"/></svg>'
    )


def test_injection_payloads_in_every_field_fetch_nothing_and_print_as_text(
    people, listener, django_capture_on_commit_callbacks, tmp_path
):
    port = listener.port
    owner = people.owner
    User.objects.filter(pk=owner.pk).update(full_name=payload(port, "requester")[:150])
    owner.refresh_from_db()
    asset = make_asset(
        owner,
        people.retail,
        name=payload(port, "name")[:200],
        purpose=payload(port, "purpose"),
        intended_use=payload(port, "use"),
        intended_users=payload(port, "users"),
        out_of_scope_uses=payload(port, "oos"),
        vendor=payload(port, "vendor")[:200],
    )
    version = make_version(
        asset,
        label="1.0",
        description=payload(port, "description"),
        registry_ref=f"models:/x/{port}",
        artifact_uri=payload(port, "artifact")[:1000],
        training_data_refs=[payload(port, "data")],
        metrics={payload(port, "metric-key")[:100]: 0.5},
        hyperparameters={"depth": payload(port, "hyper")},
    )
    inventory.update_version(
        actor=Actor.for_user(owner), version=version, description=payload(port, "update")
    )
    walk_version_to(version, "in_validation", people)
    raise_finding(
        actor=Actor.for_user(people.validator),
        asset=asset,
        version=version,
        title=payload(port, "finding")[:200],
        description=payload(port, "finding-desc"),
        severity="high",
    )
    transition(
        version, "changes_requested", actor=Actor.for_user(people.validator), reason=payload(port, "reason")
    )

    for scope, extra in [
        ("version", {"version_id": version.pk}),
        ("asset", {"asset_id": asset.pk}),
        ("inventory", {}),
        (
            "events",
            {
                "events_from": timezone.now() - timezone.timedelta(days=1),
                "events_until": timezone.now() + timezone.timedelta(minutes=1),
            },
        ),
    ]:
        report = render(
            owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks, scope=scope, **extra
        )
        assert report.status == ReportStatus.DONE, report.error
        text = pdf_text(pdf_bytes(report), tmp_path, layout=False)
        assert f'<img src="http://127.0.0.1:{port}/' in text.replace("\n", "")
        if scope in ("version", "asset"):
            for field in ("purpose", "update", "finding", "finding-desc", "reason", "use", "oos"):
                assert f"127.0.0.1:{port}/{field}/img" in text.replace("\n", "").replace(" ", ""), field
    assert listener.connections == []


def test_the_renderer_itself_refuses_everything_but_static_files(listener, tmp_path):
    """Defence in depth: even raw markup (which templates never let through) cannot fetch anything."""
    port = listener.port
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
        f'<link rel="stylesheet" href="file://{secret}"><link rel="stylesheet" href="../../../../etc/passwd">'
        f"<style>@import url(http://localhost:{port}/b.css); @font-face {{ font-family: x; "
        f"src: url(http://[::1]:{port}/f.woff) }} p {{ background: url(http://127.0.0.1:{port}/bg.png) }}</style>"
        f'</head><body><p>hello</p><img src="http://127.0.0.1:{port}/i.png">'
        f'<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22%3E%3Cimage '
        f'href=%22http://127.0.0.1:{port}/nested%22/%3E%3C/svg%3E"><img src="reports/report.css"></body></html>'
    )
    rendered = render_pdf(html, static_root=Path("governance/static"), attachments=[], moment=timezone.now())
    assert listener.connections == []
    refused = " ".join(rendered.refused_urls)
    assert f"127.0.0.1:{port}/a.css" in refused and "file://" in refused and "data:" in refused
    assert "etc/passwd" in refused


def test_injection_payloads_in_cards_comments_evidence_and_bias_fetch_nothing(
    people, listener, django_capture_on_commit_callbacks, tmp_path
):
    """The later sections too: Markdown card text, signature comments, evidence labels, bias reviews."""
    from governance.model_cards.models import Document
    from tests.factories import (
        approve_request,
        make_bias_review,
        make_evidence,
        make_final_card,
        make_final_validation_report,
    )

    port = listener.port
    asset = make_asset(people.owner, people.retail, name="Payload model")
    version = make_version(asset, label="9.9")
    card = make_final_card(version)
    key = next(k for k, v in card.current_revision.content.items() if isinstance(v, str))
    markdown_payload = (
        f"![tracker](http://127.0.0.1:{port}/md-img) [link](file:///etc/passwd) "
        f"<img src=http://127.0.0.1:{port}/md-raw> <style>@import url(http://127.0.0.1:{port}/md-css)</style>"
    )
    make_final_card(version, **{key: markdown_payload})
    make_evidence(version, label=payload(port, "evidence")[:200])
    walk_version_to(version, "in_validation", people)
    make_final_validation_report(version, people.validator)
    make_bias_review(version, people.validator, mitigation_plan=payload(port, "mitigation"))
    transition(version, "validated", actor=Actor.for_user(people.validator))
    approve_request(version, people.approver, comment=payload(port, "comment"))

    report = render(
        people.owner,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="version",
        version_id=version.pk,
    )
    assert report.status == ReportStatus.DONE, report.error
    text = pdf_text(pdf_bytes(report), tmp_path, layout=False).replace("\n", "").replace(" ", "")
    assert "tracker" in text  # an image shows as its alt text, never loaded
    assert f"<imgsrc=http://127.0.0.1:{port}/md-raw>" in text  # raw HTML in Markdown prints as text
    assert f"127.0.0.1:{port}/evidence/img" in text
    assert f"127.0.0.1:{port}/comment/img" in text
    assert Document.objects.filter(version=version, kind="model_card").exists()
    assert listener.connections == []
