"""Each evidence test stores files in its own media directory, so "nothing was stored" is checkable."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.MEDIA_ROOT},
        },
    }
    return settings.MEDIA_ROOT
