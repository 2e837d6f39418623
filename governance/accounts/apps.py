from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users (custom from the first migration), teams, roles and API tokens."""

    name = "governance.accounts"
    label = "accounts"
    verbose_name = "Accounts"
