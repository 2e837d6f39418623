"""Test settings: PostgreSQL (real triggers and row locks), fast hashing, private keys and dirs.

TEST_DATABASE_URL (or DATABASE_URL) picks the server; pytest-django tests in `test_<name>`, so
parallel checkouts can use different names. Celery runs eagerly in-process for unit tests (driven
by captured on-commit callbacks); end-to-end tests start a real worker on TEST_CELERY_BROKER_URL.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault(
    "DATABASE_URL", os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward")
)
# Under pytest-xdist each worker ("gw0", "gw1", …) gets its own scratch directory and Celery queue
# (pytest-django already gives it its own database); "" when the suite runs in one process.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# One scratch directory per test process, inherited by the Celery worker processes it starts.
_TMP = Path(os.environ.setdefault("STEWARD_TEST_DIR", tempfile.mkdtemp(prefix="steward-test-")))
if XDIST_WORKER and _TMP.name != XDIST_WORKER:
    _TMP = _TMP / XDIST_WORKER
    _TMP.mkdir(parents=True, exist_ok=True)
    os.environ["STEWARD_TEST_DIR"] = os.environ["STEWARD_DATA_DIR"] = str(_TMP)
os.environ.setdefault("STEWARD_DATA_DIR", str(_TMP))

from governance.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TEST_CELERY_BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# The test process runs tasks eagerly unless a test starts the real worker (see the celery_worker
# fixture); a worker process started by the tests consumes from the test broker like production.
IS_TEST_WORKER = os.environ.get("STEWARD_TEST_WORKER") == "1"
CELERY_TASK_ALWAYS_EAGER = not IS_TEST_WORKER
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = TEST_CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = f"steward-test{XDIST_WORKER}"
STEWARD_CHECKPOINT_KEY_FILE = str(_TMP / "keys" / "checkpoint_ed25519.pem")
STEWARD_CHECKPOINT_PUBLIC_KEY_FILE = STEWARD_CHECKPOINT_KEY_FILE + ".pub"
STEWARD_CHECKPOINT_DIR = str(_TMP / "checkpoints")
MEDIA_ROOT = _TMP / "media"
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "WARNING"}}
# Django's live server wraps requests in a media handler that needs a path prefix; production leaves
# MEDIA_URL unset because uploads are only ever served through permission-checked views.
MEDIA_URL = "/media-is-never-served/"
