"""Steward's project package: wiring at its root (settings, urls, celery), governance apps beneath."""

from governance.celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
