"""The visibility rule (DESIGN §1) on every route, for two teams and every persona, found by walking the URL resolver.

Routes added later are covered automatically. For each route and each persona: an object the persona
may not see answers 404 (reading and writing alike); lists and pages never show the names of assets
the persona may not see; read-only tokens are refused (403) on every API write; nothing answers 500.
Objects are recognised from the route (DRF view's model, else the path segment before the id) and tied
to their asset through foreign keys, so the oracle is "may this persona see the asset?"
(lifecycle.queries.visible_assets). Non-asset objects with their own rules (tokens, registry
connections) have theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from governance.accounts import services as accounts
from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.findings import raise_finding
from lifecycle.queries import visible_assets
from tests.factories import make_asset, make_evidence, make_final_card, make_version, walk_version_to

MARK_A, MARK_B = "zqxalpha", "zqxbravo"
SKIP_PREFIXES = (
    "admin/",
    "static/",
    "api/schema",
    "api/docs",
    "login",
    "logout",
    "api/v1/integrations/hooks/",
)
UNSAFE = ("post", "patch", "put", "delete")
# Writes are tried by one persona per role (reads by all of them).
WRITERS = {"owner", "validator", "approver", "compliance", "admin", "outsider"}
SEGMENT_MODELS = {
    "versions": "inventory.assetversion",
    "assets": "inventory.asset",
    "inventory": "inventory.asset",
    "connections": "integrations.registryconnection",
    "integrations": "integrations.registryconnection",
    "requests": "lifecycle.approvalrequest",
    "reports": "reports.auditreport",
    "tokens": "accounts.apitoken",
}


@dataclass(frozen=True)
class Route:
    path: str  # e.g. "api/v1/versions/<int:pk>/transitions/"
    pattern: URLPattern

    @property
    def params(self) -> list[str]:
        return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.path)]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("api/")

    def url(self, values: dict[str, Any]) -> str:
        path = self.path.replace("^", "").replace("$", "")
        for name, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), path)
        return "/" + path.replace("\\.", ".")

    def methods(self) -> list[str]:
        view = self.pattern.callback
        actions = getattr(view, "actions", None)
        if actions:
            return list(actions)
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if cls is not None:
            return [
                m for m in ("get", *UNSAFE) if hasattr(cls, m) and m in getattr(cls, "http_method_names", [m])
            ]
        return ["get", "post"]  # function views: try both (a refused method is a 405, never a 500)


def walk(patterns: list, prefix: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield Route(prefix + str(p.pattern), p)


def routes() -> list[Route]:
    found = [
        r for r in walk(get_resolver().url_patterns) if not r.path.replace("^", "").startswith(SKIP_PREFIXES)
    ]
    return [r for r in found if "format" not in r.params]


def model_of(route: Route) -> type[models.Model] | None:
    """The model a route's id refers to: named by the path segment before the id, else the DRF view's."""
    clean = route.path.replace("^", "").replace("(?P<", "<")
    before = re.findall(r"([\w-]+)/<(?:\w+:)?\w+", clean)
    if before:
        segment = before[-1]
        if segment in SEGMENT_MODELS:
            return apps.get_model(SEGMENT_MODELS[segment])
        key = segment.replace("-", "").replace("_", "").lower()
        for model in apps.get_models():
            if model._meta.model_name in {key, key.rstrip("s"), key.removesuffix("es")}:
                return model
    cls = getattr(route.pattern.callback, "cls", None)
    for candidate in (
        getattr(cls, "queryset", None),
        getattr(getattr(cls, "serializer_class", None), "Meta", None),
    ):
        model = getattr(candidate, "model", None)
        if model is not None and len(route.params) == 1:
            return model
    return None


def asset_path(model: type[models.Model], depth: int = 0) -> str | None:
    """The lookup from `model` to its Asset through foreign keys ("" for Asset itself), or None."""
    if model is Asset:
        return ""
    if depth > 3:
        return None
    for name in (
        "asset",
        "version",
        "document",
        "review",
        "request",
        "revision",
        "evidence",
        "incident",
        "plan",
    ):
        field = next((f for f in model._meta.get_fields() if f.name == name and f.many_to_one), None)
        if field is not None:
            rest = asset_path(field.related_model, depth + 1)
            if rest is not None:
                return f"{name}__{rest}".rstrip("_") if rest else name
    return None


@pytest.fixture
def world(people, db):
    """Team A (retail-credit) and team B (marketing), each with an asset carrying a recognisable mark."""
    a = make_asset(people.owner, people.retail, slug=f"vis-{MARK_A}", name=f"Visibility {MARK_A}")
    b = make_asset(people.outsider, people.marketing, slug=f"vis-{MARK_B}", name=f"Visibility {MARK_B}")
    va = walk_version_to(make_version(a), "approved", people)  # requests, decisions, documents, bias review…
    vb = make_version(b, people.outsider)
    make_final_card(vb, people.outsider)
    make_evidence(vb, people.outsider)
    for asset, version in ((a, va), (b, vb)):
        raise_finding(
            actor=Actor.for_user(people.compliance),
            asset=asset,
            version=version,
            title="Vis finding",
            severity="low",
        )
    return {"A": a, "B": b}


def personas(people) -> dict[str, Any]:
    return {
        name: getattr(people, name)
        for name in (
            "owner",
            "owner2",
            "validator",
            "validator2",
            "approver",
            "approver2",
            "approver3",
            "team_approver",
            "compliance",
            "admin",
            "outsider",
        )
    }


def client_for(user, scope: str = "write") -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Bearer "
        + accounts.create_token(
            actor=Actor.for_user(user), user=user, name=f"vis-{scope}", scope=scope
        ).secret
    )
    return client


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def objects_for(model: type[models.Model], world: dict[str, Asset]) -> list[tuple[models.Model, Asset]]:
    path = asset_path(model)
    if path is None:
        return []
    found = []
    for asset in world.values():
        obj = asset if path == "" else model._default_manager.filter(**{path: asset}).order_by("pk").first()
        if obj is not None:
            found.append((obj, asset))
    return found


def values_for(route: Route, obj: models.Model, asset: Asset) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for name in route.params:
        if name == "slug" and isinstance(obj, Asset | AssetVersion):
            values[name] = asset.slug
        elif name in {"pk", "id", "version_pk", "version_id"} or name == route.params[-1]:
            values[name] = obj.pk
        elif name == "slug":
            values[name] = getattr(obj, "slug", asset.slug)
        else:
            return None
    return values


def check(response, where: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{where} answered {response.status_code}")


def test_every_route_keeps_invisible_objects_invisible(people, world):
    cache.clear()
    everyone = personas(people)
    api = {name: client_for(user) for name, user in everyone.items()}
    web = {name: web_client(user) for name, user in everyone.items()}
    readers = {name: client_for(user, "read") for name, user in everyone.items()}
    sees = {name: set(visible_assets(user).values_list("pk", flat=True)) for name, user in everyone.items()}
    checked_objects = 0
    problems: list[str] = []
    for route in routes():
        model = model_of(route) if route.params else None
        targets: list[tuple[dict[str, Any], Asset | None]] = []
        if not route.params:
            targets = [({}, None)]
        elif model is not None:
            for obj, asset in objects_for(model, world):
                values = values_for(route, obj, asset)
                if values is not None:
                    targets.append((values, asset))
        for values, asset in targets:
            url = route.url(values)
            checked_objects += bool(asset)
            for name in everyone:
                client = api[name] if route.is_api else web[name]
                visible = asset is None or asset.pk in sees[name]
                for method in route.methods():
                    if method in UNSAFE and name not in WRITERS:
                        continue
                    response = (
                        getattr(client, method)(url, {}, format="json")
                        if route.is_api and method != "get"
                        else (getattr(client, method)(url, {}) if method != "get" else client.get(url))
                    )
                    where = f"{method.upper()} {url} as {name}"
                    check(response, where, problems)
                    if not visible and response.status_code not in {404, 405}:
                        problems.append(f"{where}: {response.status_code} for an invisible object")
                    if (
                        method == "get"
                        and response.status_code == 200
                        and not response.get("Content-Disposition")
                    ):
                        body = response.content.decode(errors="replace").lower()
                        for side, mark in (("A", MARK_A), ("B", MARK_B)):
                            if world[side].pk not in sees[name] and mark in body:
                                problems.append(f"{where} shows asset {side}, which {name} may not see")
                    if (
                        route.is_api
                        and method in UNSAFE
                        and visible
                        and name == "owner"
                        and response.status_code != 405
                    ):
                        refused = getattr(readers[name], method)(url, {}, format="json")
                        if refused.status_code not in {401, 403, 405}:
                            problems.append(
                                f"{method.upper()} {url} with a read token: {refused.status_code}"
                            )
    assert problems == [], "\n".join(sorted(set(problems)))
    assert checked_objects >= 10, "the route walk found too few object routes: is the resolver walk broken?"


def test_tokens_and_connections_have_their_own_rules(people, world):
    from governance.integrations import connections

    connection = connections.create_connection(
        actor=Actor.for_user(people.admin),
        name="vis",
        kind="mlflow",
        registry_url="https://mlflow.example",
        team=people.retail,
        default_owner=people.owner,
    ).connection
    owner_token = accounts.create_token(
        actor=Actor.for_user(people.owner), user=people.owner, name="mine"
    ).token
    for name, user in personas(people).items():
        client = client_for(user)
        token = client.get(f"/api/v1/tokens/{owner_token.pk}/").status_code
        assert token == (200 if user in (people.owner, people.admin) else 404), name
        shown = client.get(f"/api/v1/integrations/connections/{connection.pk}/").status_code
        assert shown == (200 if user.sees_everything else 404), name
        page = web_client(user).get(f"/integrations/{connection.pk}/").status_code
        assert page == (200 if user.sees_everything else 404), name
