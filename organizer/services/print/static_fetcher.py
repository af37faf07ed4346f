"""The URL fetcher every PDF uses (see `pdf.py`), in its own module because it subclasses
WeasyPrint's: only `pdf.py`'s functions import it, when they render."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under the app's static folder and refuses
    every other URL (http, https, data, ftp, files elsewhere)."""

    def __init__(self, static_folder: str | Path) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"refused: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
