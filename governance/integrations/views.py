"""Registry connection pages (administrators manage; compliance reads): health, deliveries, callbacks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.integrations import connections
from governance.integrations.api.views import visible_connections
from governance.integrations.errors import IntegrationStateError
from governance.integrations.forms import ConnectionForm, MapModelForm
from governance.integrations.models import (
    DeliveryStatus,
    OutboxMessage,
    OutboxStatus,
    RegistryConnection,
    RegistryModelLink,
    WebhookDelivery,
)
from governance.integrations.tasks import reconcile_connection


def _connection(request: HttpRequest, pk: int) -> RegistryConnection:
    return get_object_or_404(visible_connections(request.user), pk=pk)


def _is_admin(request: HttpRequest) -> bool:
    return bool(request.user.has_role(Role.ADMIN))  # type: ignore[union-attr]


def _apply_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def connection_list(request: HttpRequest) -> HttpResponse:
    if not request.user.sees_everything:  # type: ignore[union-attr]
        raise PermissionDenied("Registry connections are managed by administrators.")
    return render(
        request,
        "integrations/connection_list.html",
        {"connections": visible_connections(request.user), "is_admin": _is_admin(request)},
    )


@login_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _connection(request, pk)
    deliveries = (
        WebhookDelivery.objects.filter(connection=connection).defer("body").order_by("-received_at", "-pk")
    )
    callbacks = (
        OutboxMessage.objects.filter(connection=connection)
        .select_related("version_link__asset_version__asset")
        .prefetch_related("operations")
        .order_by("-created_at", "-pk")
    )
    models = (
        RegistryModelLink.objects.filter(connection=connection)
        .select_related("asset")
        .annotate(version_count=Count("versions"))
        .order_by("name")
    )
    failed = callbacks.filter(status=OutboxStatus.FAILED)
    context = {
        "connection": connection,
        "is_admin": _is_admin(request),
        "deliveries": deliveries[:25],
        "failed_deliveries": deliveries.filter(status=DeliveryStatus.FAILED)[:10],
        "callbacks": callbacks[:25],
        "failed_callbacks": failed[:25],
        "models": models,
        "map_form": MapModelForm(team_id=connection.team_id),
        "secret": request.session.pop(f"connection-secret-{connection.pk}", None),
    }
    return render(request, "integrations/connection_detail.html", context)


@login_required
def connection_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not _is_admin(request):
        raise PermissionDenied("Only administrators manage registry connections.")
    instance = _connection(request, pk) if pk else None
    form = ConnectionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        token = form.cleaned_data.get("callback_token") or None
        try:
            if instance is None:
                created = connections.create_connection(
                    actor=actor, callback_token=token or "", **form.settings()
                )
                request.session[f"connection-secret-{created.connection.pk}"] = created.webhook_secret
                messages.success(
                    request, "Connection created. Copy the webhook secret now: it is shown only once."
                )
                return redirect(created.connection)
            connections.update_connection(
                actor=actor, connection=instance, callback_token=token, **form.settings()
            )
            messages.success(request, "Connection saved.")
            return redirect(instance)
        except ValidationError as exc:
            _apply_errors(form, exc)
    status = 400 if form.errors else 200
    return render(
        request, "integrations/connection_form.html", {"form": form, "connection": instance}, status=status
    )


@login_required
@require_POST
def rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _connection(request, pk)
    secret = connections.rotate_webhook_secret(actor=Actor.for_user(request.user), connection=connection)  # type: ignore[arg-type]
    request.session[f"connection-secret-{connection.pk}"] = secret
    messages.success(request, "New webhook secret issued; the old one no longer works. Copy it now.")
    return redirect(connection)


@login_required
@require_POST
def reconcile_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _connection(request, pk)
    connections.require_admin(Actor.for_user(request.user))  # type: ignore[arg-type]
    reconcile_connection.delay(connection.pk)
    messages.success(request, "Reconciliation queued; this page shows its outcome when it has run.")
    return redirect(connection)


@login_required
@require_POST
def retry_callback(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    connection = _connection(request, pk)
    message = get_object_or_404(OutboxMessage, connection=connection, pk=message_pk)
    try:
        connections.retry_outbox_message(actor=Actor.for_user(request.user), message=message)  # type: ignore[arg-type]
    except IntegrationStateError as exc:
        messages.error(request, str(exc))
        return redirect(connection)
    messages.success(request, f"Callback #{message.pk} queued again.")
    return redirect(connection)


@login_required
@require_POST
def map_model(request: HttpRequest, pk: int, model_pk: int) -> HttpResponse:
    connection = _connection(request, pk)
    link = get_object_or_404(RegistryModelLink, connection=connection, pk=model_pk)
    form = MapModelForm(request.POST, team_id=connection.team_id)
    if not form.is_valid():
        messages.error(request, "Choose an asset of the connection's team.")
        return redirect(connection)
    try:
        connections.map_model(actor=Actor.for_user(request.user), link=link, asset=form.cleaned_data["asset"])  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(connection)
    reconcile_connection.delay(connection.pk)
    messages.success(
        request, f"{link.name} mapped to {form.cleaned_data['asset']}; its versions are being imported."
    )
    return redirect(connection)


def version_panel(request: HttpRequest, version: Any) -> dict[str, Any] | None:
    """The version page's "Registry" panel: where the version lives and what Steward told the registry."""
    from governance.integrations.models import RegistryVersionLink

    link = (
        RegistryVersionLink.objects.select_related("connection").filter(asset_version_id=version.pk).first()
    )
    if link is None:
        return None
    callbacks = list(link.outbox.order_by("-created_at", "-pk")[:5])
    return {
        "link": link,
        "callbacks": callbacks,
        "perms_see_connections": getattr(request.user, "sees_everything", False),
    }
