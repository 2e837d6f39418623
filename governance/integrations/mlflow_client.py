"""A small client for MLflow's model-registry REST API 2.0 (reference §1.7), with timeouts.

Steward reads state back from here (every webhook is only a hint) and writes its decisions as
version tags and aliases. Errors say whether retrying can help.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
from django.conf import settings

from governance.integrations.crypto import decrypt_secret
from governance.integrations.models import CallbackAuth, RegistryConnection

API = "/api/2.0/mlflow/"
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"


class RegistryError(Exception):
    """A failed registry call; `retryable` is False for answers that will not change on retry."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.code = code


def auth_headers(connection: RegistryConnection) -> dict[str, str]:
    token = decrypt_secret(connection.callback_token_encrypted)
    if not token or connection.callback_auth == CallbackAuth.NONE:
        return {}
    if connection.callback_auth == CallbackAuth.BASIC:
        return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}
    return {"Authorization": f"Bearer {token}"}


def _filter_value(value: str) -> str:
    quote = "'" if "'" not in value else '"'
    return f"{quote}{value}{quote}"


class MlflowClient:
    """Calls one connection's MLflow server. Use as a context manager (one HTTP connection pool)."""

    def __init__(
        self, connection: RegistryConnection, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.connection = connection
        self.http = httpx.Client(
            base_url=connection.registry_url.rstrip("/") + API,
            headers={"Accept": "application/json", **auth_headers(connection)},
            timeout=httpx.Timeout(settings.STEWARD_REGISTRY_TIMEOUT_SECONDS),
            follow_redirects=False,
            transport=transport,
        )

    def __enter__(self) -> MlflowClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RegistryError(f"{method} {path}: {exc.__class__.__name__}: {exc}", retryable=True) from exc
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        if response.status_code >= 400:
            code = body.get("error_code", "") if isinstance(body, dict) else ""
            message = (
                body.get("message", response.text[:300]) if isinstance(body, dict) else response.text[:300]
            )
            retryable = response.status_code >= 500 or response.status_code in {408, 429}
            raise RegistryError(
                f"{method} {path}: HTTP {response.status_code} {code} {message}".strip(),
                retryable=retryable,
                status=response.status_code,
                code=code,
            )
        if not isinstance(body, dict):
            raise RegistryError(f"{method} {path}: the answer is not a JSON object", retryable=True)
        return body

    def _get_or_none(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        try:
            return self._call("GET", path, params=params)
        except RegistryError as exc:
            if exc.code == NOT_FOUND or exc.status == 404:
                return None
            raise

    # --- reads -----------------------------------------------------------------------------------
    def get_model_version(self, name: str, version: str) -> dict[str, Any] | None:
        body = self._get_or_none("model-versions/get", {"name": name, "version": version})
        return None if body is None else body.get("model_version")

    def get_registered_model(self, name: str) -> dict[str, Any] | None:
        body = self._get_or_none("registered-models/get", {"name": name})
        return None if body is None else body.get("registered_model")

    def get_alias_version(self, name: str, alias: str) -> str | None:
        body = self._get_or_none("registered-models/alias", {"name": name, "alias": alias})
        if body is None:
            return None
        return str(body.get("model_version", {}).get("version") or "") or None

    def search_registered_models(self, page_size: int = 100) -> Iterator[dict[str, Any]]:
        yield from self._pages(
            "registered-models/search", "registered_models", {"max_results": str(page_size)}
        )

    def search_model_versions(self, name: str, page_size: int = 200) -> Iterator[dict[str, Any]]:
        params = {"filter": f"name={_filter_value(name)}", "max_results": str(page_size)}
        yield from self._pages("model-versions/search", "model_versions", params)

    def _pages(self, path: str, key: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            body = self._call("GET", path, params=params | ({"page_token": token} if token else {}))
            yield from body.get(key, [])
            token = body.get("next_page_token") or ""
            if not token:
                return

    # --- writes (each idempotent) -----------------------------------------------------------------
    def set_tag(self, name: str, version: str, key: str, value: str) -> None:
        self._call(
            "POST",
            "model-versions/set-tag",
            json={"name": name, "version": version, "key": key, "value": value},
        )

    def delete_tag(self, name: str, version: str, key: str) -> None:
        try:
            self._call(
                "DELETE", "model-versions/delete-tag", json={"name": name, "version": version, "key": key}
            )
        except RegistryError as exc:
            if exc.code != NOT_FOUND:  # already gone is what we wanted
                raise

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self._call("POST", "registered-models/alias", json={"name": name, "alias": alias, "version": version})

    def delete_alias_if_at(self, name: str, alias: str, version: str) -> None:
        """Remove `alias` only while it points at `version` (it may have moved on to a newer one)."""
        if self.get_alias_version(name, alias) != version:
            return
        try:
            self._call("DELETE", "registered-models/alias", json={"name": name, "alias": alias})
        except RegistryError as exc:
            if exc.code != NOT_FOUND:
                raise


def version_tags(model_version: dict[str, Any]) -> dict[str, str]:
    """MLflow's [{key, value}] tag list (or an object, as in webhook payloads) as a dict."""
    tags = model_version.get("tags") or []
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t.get("key")): str(t.get("value", "")) for t in tags if isinstance(t, dict)}


def alias_map(registered_model: dict[str, Any]) -> dict[str, str]:
    """`registered-models/get`'s aliases as {alias: version}."""
    return {
        str(a["alias"]): str(a["version"])
        for a in registered_model.get("aliases") or []
        if isinstance(a, dict) and "alias" in a and "version" in a
    }


def is_prompt(registered_model_or_version: dict[str, Any]) -> bool:
    return version_tags(registered_model_or_version).get("mlflow.prompt.is_prompt") == "true"
