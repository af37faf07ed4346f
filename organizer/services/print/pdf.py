"""What every PDF shares: WeasyPrint, fetching only files under `static/`.

Every printed document (the visa letter, the booklet, the room signs, the representation
report) is HTML rendered here, so no title, abstract or name can make WeasyPrint read another
file or the network: `fetcher()` serves files under the app's static folder (fonts and
stylesheets, referred to relative to `base_url()`) and refuses every other URL. The booklet's
and the signs' stylesheets declare their fonts with `@font-face` from `static/fonts/`, so there
is no font configuration here. Writing the results to disk goes
through `services.files.write_atomically`.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

TAGGED = "pdf/ua-1"  # the variant of the documents people read on screen (booklet, signs)


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


def fetcher() -> StaticFilesOnly:
    assert current_app.static_folder is not None
    return StaticFilesOnly(current_app.static_folder)


def base_url() -> str:
    """The static folder as a file URL: relative links in printed HTML resolve under it."""
    assert current_app.static_folder is not None
    return Path(current_app.static_folder).resolve().as_uri() + "/"


def render(html: str, *, base: str | None = None) -> bytes:
    """The PDF of `html` (untagged), fetching only files under static/."""
    return HTML(string=html, base_url=base or base_url(), url_fetcher=fetcher()).write_pdf()


def pdf_of(html: str) -> tuple[bytes, int]:
    """The tagged (PDF/UA-1) PDF of printed HTML, fetching only files under static/, and its
    number of pages. The booklet and the room signs both print through it."""
    source = HTML(string=html, base_url=base_url(), url_fetcher=fetcher())
    laid_out = source.render(pdf_variant=TAGGED)
    return laid_out.write_pdf(pdf_variant=TAGGED), len(laid_out.pages)
