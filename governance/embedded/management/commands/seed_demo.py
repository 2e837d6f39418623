"""Create the demo teams, users and assets (only into an empty database)."""

from django.core.management.base import BaseCommand

from governance.accounts.models import User
from governance.embedded.seed import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Seed demo data through the services (skipped when users already exist)."

    def handle(self, *args: object, **options: object) -> None:
        if User.objects.exists():
            self.stdout.write("Demo data: the database already has users; nothing seeded.")
            return
        seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data seeded."))
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for username, _full_name, roles, team in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {', '.join(roles):<12} {team or 'all teams'}")
