"""A small in-memory MLflow registry REST server on 127.0.0.1, for tests (no network, no mlflow package).

It answers the REST 2.0 calls Steward makes (reference §1.7) with MLflow's shapes and error codes,
records every call, and can be told to fail the next N calls (to exercise retries).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PREFIX = "/api/2.0/mlflow/"


class Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.models: dict[str, dict[str, Any]] = {}
        self.versions: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_next = 0
        self.fail_status = 503

    # --- helpers used by tests ----------------------------------------------------------------------
    def create_model(self, name: str, tags: dict[str, str] | None = None) -> None:
        now = int(time.time() * 1000)
        self.models[name] = {
            "name": name,
            "creation_timestamp": now,
            "last_updated_timestamp": now,
            "description": "",
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
            "aliases": {},
        }

    def create_version(
        self, name: str, *, source: str = "", run_id: str = "", tags: dict[str, str] | None = None
    ) -> str:
        if name not in self.models:
            self.create_model(name)
        number = str(1 + sum(1 for (n, _) in self.versions if n == name))
        self.versions[(name, number)] = {
            "name": name,
            "version": number,
            "source": source or f"models:/m-{number}",
            "run_id": run_id,
            "status": "READY",
            "current_stage": "None",
            "description": "",
            "tags": dict(tags or {}),
        }
        return number

    def tags(self, name: str, version: str) -> dict[str, str]:
        return dict(self.versions[(name, version)]["tags"])

    def aliases(self, name: str) -> dict[str, str]:
        return dict(self.models[name]["aliases"])

    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [c for c in self.calls if c[0] != "GET"]

    # --- rendering ---------------------------------------------------------------------------------
    def version_json(self, name: str, number: str, *, with_aliases: bool = True) -> dict[str, Any]:
        v = self.versions[(name, number)]
        body = {
            k: v[k] for k in ("name", "version", "source", "run_id", "status", "current_stage", "description")
        }
        body["tags"] = [{"key": k, "value": val} for k, val in v["tags"].items()]
        if with_aliases:
            body["aliases"] = [a for a, n in self.models[name]["aliases"].items() if n == number]
        return body

    def model_json(self, name: str) -> dict[str, Any]:
        m = self.models[name]
        return {
            k: m[k] for k in ("name", "creation_timestamp", "last_updated_timestamp", "description", "tags")
        } | {"aliases": [{"alias": a, "version": n} for a, n in m["aliases"].items()]}


def _not_found(what: str) -> tuple[int, dict[str, Any]]:
    return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"{what} not found"}


def handle(
    reg: Registry, method: str, path: str, query: dict[str, str], body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    route = path[len(PREFIX) :]
    data = query | body
    name, number = str(data.get("name", "")), str(data.get("version", ""))
    if route == "model-versions/get" and method == "GET":
        if (name, number) not in reg.versions:
            return _not_found(f"Model Version (name={name}, version={number})")
        return 200, {"model_version": reg.version_json(name, number)}
    if route == "registered-models/get" and method == "GET":
        if name not in reg.models:
            return _not_found(f"Registered Model with name={name}")
        return 200, {"registered_model": reg.model_json(name)}
    if route == "registered-models/search" and method == "GET":
        names = sorted(reg.models)
        size = int(data.get("max_results", 100))
        start = int(data.get("page_token") or 0)
        page = names[start : start + size]
        body_out: dict[str, Any] = {"registered_models": [reg.model_json(n) for n in page]}
        if start + size < len(names):
            body_out["next_page_token"] = str(start + size)
        return 200, body_out
    if route == "model-versions/search" and method == "GET":
        wanted = str(data.get("filter", "")).split("=", 1)[-1].strip("'\"")
        rows = [reg.version_json(n, v, with_aliases=False) for (n, v) in sorted(reg.versions) if n == wanted]
        return 200, {"model_versions": rows}
    if route == "model-versions/set-tag" and method == "POST":
        if (name, number) not in reg.versions:
            return _not_found("Model Version")
        reg.versions[(name, number)]["tags"][body["key"]] = body["value"]
        return 200, {}
    if route == "model-versions/delete-tag" and method == "DELETE":
        if (name, number) not in reg.versions or body["key"] not in reg.versions[(name, number)]["tags"]:
            return _not_found("Tag")
        del reg.versions[(name, number)]["tags"][body["key"]]
        return 200, {}
    if route == "registered-models/alias":
        if name not in reg.models:
            return _not_found("Registered Model")
        alias = str(data.get("alias", ""))
        aliases = reg.models[name]["aliases"]
        if method == "POST":
            aliases[alias] = number
            return 200, {}
        if method == "DELETE":
            aliases.pop(alias, None)
            return 200, {}
        if alias not in aliases:
            return _not_found(f"Alias {alias}")
        return 200, {"model_version": reg.version_json(name, aliases[alias])}
    return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"{method} {path}"}


class FakeMlflow:
    """Start with FakeMlflow().start(); `url` is the base URL; `registry` holds the state."""

    def __init__(self) -> None:
        self.registry = Registry()
        registry = self.registry

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parsed = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                with registry.lock:
                    registry.calls.append(
                        (
                            self.command,
                            parsed.path[len(PREFIX) :],
                            query | body | {"_auth": self.headers.get("Authorization", "")},
                        )
                    )
                    if registry.fail_next > 0:
                        registry.fail_next -= 1
                        status, out = (
                            registry.fail_status,
                            {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "try later"},
                        )
                    else:
                        status, out = handle(registry, self.command, parsed.path, query, body)
                payload = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PATCH = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeMlflow:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
