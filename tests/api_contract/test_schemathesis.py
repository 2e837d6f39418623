"""The OpenAPI contract, fuzzed: schemathesis generates ≥ 50 requests per operation from the live schema.

Every operation is called through Django's WSGI app as an administrator (who may see everything),
and each answer must be no server error, carry a documented status and content type, and match
the documented response schema. Operations added later are covered automatically.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from governance.accounts import services as accounts
from governance.audit.actors import Actor

EXAMPLES = 50
_APP = WSGIHandler()


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection():
    """Django closes DB connections at request boundaries; here requests run inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(people) -> str:
    return accounts.create_token(
        actor=Actor.for_user(people.admin), user=people.admin, name="contract", scope="write"
    ).secret


def live_schema() -> dict:
    """The schema exactly as /api/schema/ serves it (generated once, at collection)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


def isolated_app(environ, start_response):
    """Django's WSGI handler, each call in a savepoint rolled back afterwards: like production, one
    request's database error (or effect) never leaks into the next generated request."""
    savepoint = transaction.savepoint_create()
    try:
        response = _APP(environ, start_response)
        try:
            return list(response)
        finally:
            response.close()
    finally:
        transaction.savepoint_rollback(savepoint)


schema = schemathesis.openapi.from_dict(live_schema())
schema.app = isolated_app  # calls go through Django's WSGI handler, inside the test's transaction


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_the_contract(case, admin_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
        ],
    )
