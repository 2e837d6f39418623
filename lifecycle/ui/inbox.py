"""The inbox page: everything waiting for the signed-in person, list by list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lifecycle.inbox import inbox_count, inbox_for

ITEMS_PER_LIST = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    lists = [
        {"key": entry.key, "title": entry.title, "empty": entry.empty, "count": entry.items.count(),
         "items": list(entry.items[:ITEMS_PER_LIST])}
        for entry in inbox_for(request.user)  # type: ignore[arg-type]
    ]  # fmt: skip
    return render(request, "lifecycle/inbox.html", {"lists": lists, "total": sum(e["count"] for e in lists)})


def nav_counter(request: HttpRequest) -> int:
    return inbox_count(request.user)  # type: ignore[arg-type]
