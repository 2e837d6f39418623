"""Run the Celery beat schedule in-process: the embedded default's stand-in for `celery beat`."""

import time
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run every CELERY_BEAT_SCHEDULE task in this process at its interval (embedded mode; no broker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every task once and exit.")

    def handle(self, *args, once: bool = False, **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        due = dict.fromkeys(schedule, 0.0)
        while True:
            now = time.monotonic()
            for name, entry in schedule.items():
                if now < due[name]:
                    continue
                interval = entry["schedule"]
                seconds = interval.total_seconds() if isinstance(interval, timedelta) else float(interval)  # type: ignore[arg-type]
                due[name] = now + seconds
                try:
                    current_app.tasks[entry["task"]].apply(args=entry.get("args", ()))
                except Exception as exc:  # keep the loop alive; the task logs its own failure
                    self.stderr.write(f"{name}: {exc!r}")
            if once:
                return
            time.sleep(5)
