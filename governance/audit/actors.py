"""Who did something: a user, an API token, a registry or the system — always passed explicitly.

Attribution never comes from thread-locals; the request id groups the events of one request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from governance.accounts.models import ApiToken, User


class ActorKind(models.TextChoices):
    USER = "user", "User"
    TOKEN = "token", "API token"
    REGISTRY = "registry", "Registry"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class Actor:
    """An explicit actor. `user` is whose permissions apply (a token acts for its user)."""

    kind: str
    id: str
    name: str
    user: User | None = field(default=None, compare=False)
    token: ApiToken | None = field(default=None, compare=False)
    request_id: str | None = None

    @classmethod
    def for_user(cls, user: User, *, request_id: str | None = None) -> Actor:
        return cls(ActorKind.USER, str(user.pk), user.get_username(), user=user, request_id=request_id)

    @classmethod
    def for_token(cls, token: ApiToken, *, request_id: str | None = None) -> Actor:
        user = token.user
        return cls(
            ActorKind.TOKEN,
            str(token.pk),
            f"{user.get_username()} via token {token.prefix}",
            user=user,
            token=token,
            request_id=request_id,
        )

    @classmethod
    def system(cls, name: str, *, request_id: str | None = None) -> Actor:
        return cls(ActorKind.SYSTEM, name, name, request_id=request_id)

    @classmethod
    def registry(cls, connection_id: int, name: str, *, request_id: str | None = None) -> Actor:
        return cls(ActorKind.REGISTRY, str(connection_id), name, request_id=request_id)

    @classmethod
    def from_request(cls, request: Any) -> Actor:
        """The actor of an authenticated request: the token when one was used, else the session user."""
        request_id = getattr(request, "request_id", None)
        token = getattr(request, "auth", None)
        from governance.accounts.models import ApiToken

        if isinstance(token, ApiToken):
            return cls.for_token(token, request_id=request_id)
        return cls.for_user(request.user, request_id=request_id)

    @property
    def is_integration(self) -> bool:
        """True for integration tokens and registries: they may take only registry/monitoring edges."""
        if self.kind == ActorKind.REGISTRY:
            return True
        return self.token is not None and self.token.scope == "integration"

    def as_json(self) -> dict[str, str]:
        data = {"kind": str(self.kind), "id": self.id, "name": self.name}
        if self.kind == ActorKind.TOKEN and self.user is not None:
            data["user_id"] = str(self.user.pk)
        return data
