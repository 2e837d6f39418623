"""`manage.py create_admin`: the first administrator of a new installation, audited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_creates_an_audited_administrator(monkeypatch):
    monkeypatch.setenv("STEWARD_ADMIN_PASSWORD", "a long and unusual passphrase")
    out = StringIO()
    call_command("create_admin", "root-admin", "--email", "ops@example.com", stdout=out)
    user = User.objects.get(username="root-admin")
    assert user.has_role(Role.ADMIN)
    assert user.check_password("a long and unusual passphrase")
    assert "Created administrator 'root-admin'" in out.getvalue()
    created = AuditEvent.objects.get(action="account.user_created", object_id=str(user.pk))
    assert created.actor_kind == "system" and created.actor_name == "create_admin"


def test_refuses_a_taken_username_and_writes_nothing(monkeypatch, people):
    monkeypatch.setenv("STEWARD_ADMIN_PASSWORD", "a long and unusual passphrase")
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="username: A user with that username already exists"):
        call_command("create_admin", people.admin.username)
    assert AuditEvent.objects.count() == before


def test_without_a_terminal_or_password_it_says_what_to_set(monkeypatch):
    monkeypatch.delenv("STEWARD_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="STEWARD_ADMIN_PASSWORD"):
        call_command("create_admin", "someone")
    assert not User.objects.filter(username="someone").exists()
