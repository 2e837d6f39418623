"""Helpers for report tests: PDF text and pictures (poppler), the bundle, a loopback listener."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from governance.reports.bundle import BUNDLE_NAME
from governance.reports.verify import _embedded_files

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def pdf_text(data: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    """The text pdftotext extracts: `layout` keeps columns apart, reading order keeps each cell whole."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_xmp(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "meta.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", "-meta", str(path)], check=True, capture_output=True, text=True).stdout


def save_page_one_png(data: bytes, name: str, tmp_path: Path) -> Path:
    """Render page 1 with pdftoppm and keep it under test-artifacts/ (gitignored) for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    return ARTIFACTS / f"{name}.png"


def bundle_of(data: bytes) -> dict:
    import io

    return json.loads(_embedded_files(PdfFileReader(io.BytesIO(data), strict=False))[BUNDLE_NAME])


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that records every connection (nothing should ever connect)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(2048))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
