"""The five roles of DESIGN §1. Pure data: who may do what is decided in lifecycle and services."""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Model owner"
    VALIDATOR = "validator", "Validator"
    APPROVER = "approver", "Approver"
    COMPLIANCE = "compliance", "Compliance officer"
    ADMIN = "admin", "Administrator"


# Roles that see every object regardless of team (DESIGN §1, visibility).
SEE_EVERYTHING = frozenset({Role.COMPLIANCE, Role.ADMIN})


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"
    INTEGRATION = "integration", "Integration (registry and monitoring)"
