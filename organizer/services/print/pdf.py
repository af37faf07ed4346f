"""What every PDF shares: WeasyPrint, fetching only files under `static/`.

Every printed document (the visa letter, the booklet, the room signs, the representation
report) is HTML rendered here, so no title, abstract or name can make WeasyPrint read another
file or the network: `fetcher()` serves files under the app's static folder (fonts and
stylesheets, referred to relative to `base_url()`) and refuses every other URL. The booklet's
and the signs' stylesheets declare their fonts with `@font-face` from `static/fonts/`, so there
is no font configuration here. Writing the results to disk goes
through `services.files.write_atomically`.

WeasyPrint is imported inside the functions that render (with the fetcher, in
`static_fetcher.py`), so that a web process loads it only when it prints something: importing
this module, as the booklet's cache and the account deletion do, costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from organizer.services.print.static_fetcher import StaticFilesOnly

TAGGED = "pdf/ua-1"  # the variant of the documents people read on screen (booklet, signs)


def fetcher() -> StaticFilesOnly:
    from organizer.services.print.static_fetcher import StaticFilesOnly

    assert current_app.static_folder is not None
    return StaticFilesOnly(current_app.static_folder)


def base_url() -> str:
    """The static folder as a file URL: relative links in printed HTML resolve under it."""
    assert current_app.static_folder is not None
    return Path(current_app.static_folder).resolve().as_uri() + "/"


def render(html: str, *, base: str | None = None) -> bytes:
    """The PDF of `html` (untagged), fetching only files under static/."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base or base_url(), url_fetcher=fetcher()).write_pdf()


def pdf_of(html: str) -> tuple[bytes, int]:
    """The tagged (PDF/UA-1) PDF of printed HTML, fetching only files under static/, and its
    number of pages. The booklet and the room signs both print through it."""
    from weasyprint import HTML

    source = HTML(string=html, base_url=base_url(), url_fetcher=fetcher())
    laid_out = source.render(pdf_variant=TAGGED)
    return laid_out.write_pdf(pdf_variant=TAGGED), len(laid_out.pages)
