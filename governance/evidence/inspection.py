"""Inspecting an upload before anything is stored: size, emptiness, SHA-256 and the type its
content says it is (libmagic via python-magic), never the type its name claims."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import magic
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

HEAD_BYTES = 256 * 1024  # enough for libmagic to see inside OOXML (docx/xlsx) archives

TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "text/plain": "plain text",
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/gzip": "gzip archive",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document (.docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook (.xlsx)",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint (.pptx)",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "text/html": "HTML",
    "image/svg+xml": "SVG image",
    "application/x-dosexec": "Windows executable",
    "application/zip": "ZIP archive",
    "text/x-shellscript": "shell script",
    "application/octet-stream": "unrecognised binary data",
}


def type_name(content_type: str) -> str:
    return TYPE_NAMES.get(content_type, content_type)


@dataclass(frozen=True)
class Inspection:
    sha256: str
    size: int
    content_type: str


def detect_type(head: bytes) -> str:
    """The MIME type libmagic reads from the first bytes of a file."""
    return str(magic.from_buffer(head, mime=True))


def _chunks(file: Any) -> Iterable[bytes]:
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        yield from file.chunks()
    else:
        while chunk := file.read(1024 * 1024):
            yield chunk


def _extension_hint(name: str, content_type: str) -> str:
    extension = os.path.splitext(name)[1].lower()
    return (
        f" The file is named “{extension}”, but its content is {type_name(content_type)}."
        if extension
        else ""
    )


def inspect_upload(
    file: Any, *, max_bytes: int, allowed_types: Iterable[str], field: str = "file"
) -> Inspection:
    """Check an uploaded file and fingerprint it; raises ValidationError({field: …}) naming the problem.

    Refuses empty files, files over `max_bytes` and files whose detected type is not allowed.
    Reads the file once (streaming) and leaves it rewound.
    """
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            {field: f"The file is {filesizeformat(size)}; the limit is {filesizeformat(max_bytes)}."}
        )
    digest = hashlib.sha256()
    head = b""
    total = 0
    for chunk in _chunks(file):
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        total += len(chunk)
        if total > max_bytes:
            raise ValidationError(
                {field: f"The file is larger than the limit of {filesizeformat(max_bytes)}."}
            )
        digest.update(chunk)
    if hasattr(file, "seek"):
        file.seek(0)
    if total == 0:
        raise ValidationError({field: "The file is empty."})
    content_type = detect_type(head)
    allowed = set(allowed_types)
    if content_type not in allowed:
        accepted = ", ".join(sorted({type_name(t) for t in allowed}))
        hint = _extension_hint(str(getattr(file, "name", "") or ""), content_type)
        raise ValidationError(
            {
                field: f"Files of this type ({type_name(content_type)}, detected from the content) are not "
                f"accepted.{hint} Accepted types: {accepted}."
            }
        )
    return Inspection(digest.hexdigest(), total, content_type)


def safe_display_name(name: str) -> str:
    """The uploader's file name for display and download headers: no path, no control characters."""
    base = os.path.basename(str(name).replace("\\", "/"))
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return cleaned.strip()[:255] or "evidence"
