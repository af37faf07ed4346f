"""Reviewer copies of PDFs lose embedded files too: LibreOffice's "hybrid PDF" export embeds
the whole source document (with its author in meta.xml), and PDF/A-3 or a file attachment
annotation can carry any file. None of it is metadata the Info/XMP removal would catch."""

from __future__ import annotations

import io

import pikepdf

from organizer.services import uploads

NAME = b"Zebulon Quartermaine"


def _everything(data: bytes) -> bytes:
    """Every object and decoded stream of the PDF, so that compressed content is checked."""
    parts = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
            parts.append(repr(obj).encode())
    return b"\n".join(parts)


def test_embedded_files_and_attachment_annotations_are_removed():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["talk-source.odt"] = pikepdf.AttachedFileSpec(
        pdf, b"<meta:initial-creator>" + NAME + b"</meta:initial-creator>"
    )
    spec = pikepdf.AttachedFileSpec(pdf, b"notes by " + NAME, filename="notes.txt")
    pdf.pages[0].Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.FileAttachment,
                    Rect=[10, 10, 30, 30],
                    FS=spec.obj,
                )
            ]
        )
    )
    pdf.Root.AF = pdf.make_indirect(pikepdf.Array([spec.obj]))
    out = io.BytesIO()
    pdf.save(out)
    original = out.getvalue()
    assert NAME in _everything(original)  # the test can fail

    clean = uploads.strip_metadata(original, "application/pdf")

    assert clean is not None and NAME not in _everything(clean)
    with pikepdf.open(io.BytesIO(clean)) as result:
        assert len(result.attachments) == 0
        assert len(result.pages) == 1
