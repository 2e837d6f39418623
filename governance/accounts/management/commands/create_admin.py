"""`manage.py create_admin USERNAME --email E`: the first Steward administrator of an installation.

Django's createsuperuser makes a Django superuser, not a Steward admin (a role grant with its audit
event), so a new production installation starts here. The password is asked for twice at the prompt,
or read from STEWARD_ADMIN_PASSWORD for unattended set-up; Django's password validators apply.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from governance.accounts import services
from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor


class Command(BaseCommand):
    help = (
        "Create a Steward user with the admin role (recorded in the audit trail as done by 'create_admin')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="The administrator's email address.")
        parser.add_argument("--full-name", default="", help="Shown in the UI and in audit reports.")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("STEWARD_ADMIN_PASSWORD") or self._ask_password()
        candidate = User(username=options["username"], email=options["email"])
        try:
            validate_password(password, candidate)
            with transaction.atomic():
                user = services.create_user(
                    actor=Actor.system("create_admin"),
                    username=options["username"],
                    email=options["email"],
                    full_name=options["full_name"],
                    password=password,
                    roles=[Role.ADMIN],
                )
        except ValidationError as error:
            raise CommandError("; ".join(_messages(error))) from error
        self.stdout.write(f"Created administrator {user.username!r}; sign in and invite the others.")

    def _ask_password(self) -> str:
        if not os.isatty(0):
            raise CommandError("No terminal to ask for a password: set STEWARD_ADMIN_PASSWORD.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {' '.join(m for e in errors for m in e.messages)}"
            for field, errors in error.error_dict.items()
        ]
    return list(error.messages)
