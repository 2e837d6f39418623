"""HTML → PDF/A-3b bytes with WeasyPrint, in one pass, fetching nothing but Steward's static files.

Pure: no database, no settings beyond the static directory handed in. The URL fetcher refuses every
URL except `STATIC_BASE` + a path to an existing file inside the static directory, so no template
mistake and no user-written text can make the renderer reach the network, the filesystem or a
`data:` payload. Refused URLs are collected for the caller to log.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A base URL no resolver knows: relative URLs in the templates resolve under it, then map to files.
STATIC_BASE = "https://steward.invalid/static/"
PDF_VARIANT = "pdf/a-3b"
PROGRESS_LOGGER = "weasyprint.progress"
_PAGE_RE = re.compile(r"Page (\d+)")


class RefusedURL(ValueError):
    """The renderer asked for something other than one of Steward's own static files."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves files under `static_root` and refuses everything else."""

    def __init__(self, static_root: Path) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
        self.static_root = static_root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if not url.startswith(STATIC_BASE):
            self.refused.append(url[:200])
            raise RefusedURL(f"refused to fetch {url[:200]!r}: only Steward's static files are served")
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            self.refused.append(url[:200])
            raise RefusedURL(f"refused to fetch {url[:200]!r}")
        relative = unquote(parts.path[len(urlsplit(STATIC_BASE).path) :])
        path = (self.static_root / relative).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            self.refused.append(url[:200])
            raise RefusedURL(f"no static file at {relative!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


@dataclass(frozen=True)
class EmbeddedFile:
    name: str
    data: bytes
    description: str
    relationship: str  # PDF 2.0 AFRelationship: Data, Source, Supplement, Alternative…


@dataclass
class RenderedPdf:
    data: bytes
    pages: int
    refused_urls: list[str] = field(default_factory=list)


class _ProgressHandler(logging.Handler):
    def __init__(self, callback: Callable[[str, int | None], None]) -> None:
        super().__init__(logging.INFO)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        match = _PAGE_RE.search(message) if "layout" in message else None
        self.callback(
            message.split(" - ")[1] if " - " in message else message, int(match[1]) if match else None
        )


def _dedupe_associated_files(document: object, pdf: object) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF array; keep each once."""
    catalog = pdf.catalog  # type: ignore[attr-defined]
    if "AF" in catalog:
        unique = list(dict.fromkeys(catalog["AF"]))
        catalog["AF"].clear()
        catalog["AF"].extend(unique)


def render_pdf(
    html: str,
    *,
    static_root: Path,
    attachments: list[EmbeddedFile],
    moment: dt.datetime,
    on_progress: Callable[[str, int | None], None] | None = None,
) -> RenderedPdf:
    """Lay out `html` and write a PDF/A-3b file embedding `attachments` (with AF relationships)."""
    fetcher = StaticOnlyFetcher(static_root)
    naive_utc = moment.astimezone(dt.UTC).replace(tzinfo=None)  # WeasyPrint formats these as UTC ("Z")
    files = [
        Attachment(
            string=item.data,
            name=item.name,
            description=item.description,
            relationship=item.relationship,
            created=naive_utc,
            modified=naive_utc,
            url_fetcher=fetcher,
        )
        for item in attachments
    ]
    logger = logging.getLogger(PROGRESS_LOGGER)
    handler = _ProgressHandler(on_progress) if on_progress else None
    previous_level, previous_propagate = logger.level, logger.propagate
    if handler is not None:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # progress goes to the job row, not to the worker's log
    try:
        document = HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT, custom_metadata=True
        )
        data = document.write_pdf(
            pdf_variant=PDF_VARIANT,
            attachments=files,
            custom_metadata=True,
            finisher=_dedupe_associated_files,
        )
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(previous_level)
            logger.propagate = previous_propagate
    return RenderedPdf(data=data, pages=len(document.pages), refused_urls=fetcher.refused)
