"""Documents made in the test, with the metadata that word processors and cameras write, and
a reader that turns a served file into everything a person could read out of it."""

from __future__ import annotations

import io

import pikepdf
import pypdf
from PIL import Image, PngImagePlugin


def make_pdf(
    lines: list[str],
    *,
    author: str = "",
    creator: str = "",
    producer: str = "",
    xmp_creator: str = "",
    comment_author: str = "",
) -> bytes:
    """A one-page PDF with `lines` of text (uncompressed, so that the bytes hold the text),
    the Info dictionary's /Author, /Creator and /Producer, XMP dc:creator, and a sticky-note
    comment whose /T (its author) is `comment_author`."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    shown = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj T*" for line in lines)
    page.Contents = pdf.make_stream(f"BT /F1 12 Tf 14 TL 72 760 Td {shown} ET".encode("latin-1"))
    if comment_author:
        note = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Text,
                Rect=[100, 100, 120, 120],
                Contents=pikepdf.String("Check this figure"),
                T=pikepdf.String(comment_author),
            )
        )
        page.Annots = pdf.make_indirect(pikepdf.Array([note]))
    if author:
        pdf.docinfo["/Author"] = author
    if creator:
        pdf.docinfo["/Creator"] = creator
    if producer:
        pdf.docinfo["/Producer"] = producer
    if xmp_creator:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:creator"] = [xmp_creator]
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def make_image(
    image_format: str,
    *,
    artist: str = "",
    gps: bool = False,
    comment: str = "",
    xmp: str = "",
    size: tuple[int, int] = (40, 20),
    mode: str = "RGB",
    orientation: int = 6,
) -> bytes:
    """A small picture in `image_format` (PNG, JPEG, WEBP) with EXIF (Artist, GPS position,
    an orientation), XMP, and a comment (JPEG) or text chunk (PNG). Its left half is teal,
    its right half orange (half transparent in mode RGBA), as stored before the orientation
    turns it."""
    image = Image.new(mode, size, "teal")
    right = (255, 140, 0, 128) if mode == "RGBA" else "orange"
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if artist:
        exif[0x013B] = artist  # Artist
        exif[0x8298] = f"(c) {artist}"  # Copyright
    if gps:
        exif[0x8825] = {1: "N", 2: (38.0, 42.0, 51.0), 3: "W", 4: (9.0, 8.0, 30.0)}
    if orientation:  # 6: rotate 90° to show; the copy is turned upright before EXIF goes
        exif[0x0112] = orientation
    options: dict[str, object] = {"exif": exif}
    if xmp:
        options["xmp"] = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description>'
            f"<dc:creator>{xmp}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
        ).encode()
    if comment and image_format == "JPEG":
        options["comment"] = comment.encode()
    if comment and image_format == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", comment)
        options["pnginfo"] = info
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def readable(data: bytes, content_type: str) -> str:
    """Everything a person could read out of a file, lower-cased: its bytes as text, and for a
    PDF its page text, Info dictionary, XMP and annotations; for an image its EXIF (GPS
    included) and the text in its info."""
    parts = [data.decode("latin-1")]
    if content_type == "application/pdf" and data.startswith(b"%PDF"):
        reader = pypdf.PdfReader(io.BytesIO(data))
        parts += [page.extract_text() or "" for page in reader.pages]
        parts.append(str(reader.metadata or {}))
        xmp = reader.xmp_metadata
        if xmp is not None:
            parts.append(xmp.rdf_root.toxml())
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    parts.append(str(dict(obj.items())))
    elif content_type.startswith("image/"):
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            parts.append(str(dict(exif)))
            parts.append(str(dict(exif.get_ifd(0x8825))))
            parts.append(str(image.info))
    return "\n".join(parts).lower()
