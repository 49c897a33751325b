"""Asset labels: an A4 sheet of 3 × 8 labels (70 × 37 mm, the common self-adhesive sheet), each
with a QR code opening the asset's page and the asset number big enough to read across a room.

The QR code comes from segno (pure Python) as a matrix of modules and is drawn as filled
rectangles, one per horizontal run of dark modules: vector, so it prints sharp at any size and
needs no image library. Thai text is shaped by HarfBuzz through fpdf2, with the Sarabun font the
monthly report uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parents[2] / "web" / "static" / "fonts" / "sarabun"
FONT = "Sarabun"
COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70.0, 37.125  # 3 × 70 = 210 mm, 8 × 37.125 = 297 mm: the whole A4 page
PAD = 2.5
QR_MM = LABEL_H - 2 * PAD  # the code with its quiet zone fills the label's height
QUIET_ZONE = 2  # modules of white around the code; the label's own margin adds to it
MIN_NUMBER_PT = 6.0
MAX_LABELS = 5000  # one request's worth: 209 pages; a larger selection is asked per school


@dataclass(frozen=True)
class Label:
    asset_number: str
    name: str
    site_name: str
    url: str
    caption: str = ""  # the kind, model or room: a second line under the name


class TooManyLabels(ValueError):
    """The selection holds more labels than one PDF is made for."""


def render_labels(labels: Sequence[Label], office: str, title: str) -> bytes:
    """The labels as an A4 PDF, left to right, top to bottom."""
    if len(labels) > MAX_LABELS:
        raise TooManyLabels(f"{len(labels)} labels: at most {MAX_LABELS} in one PDF")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "Sarabun_400Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "Sarabun_700Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(title)
    pdf.set_creator("ictmon")
    if not labels:
        pdf.add_page()
    fitted: dict[tuple, tuple[float, str]] = {}
    for index, label in enumerate(labels):
        place = index % (COLUMNS * ROWS)
        if place == 0:
            pdf.add_page()
        x = (place % COLUMNS) * LABEL_W
        y = (place // COLUMNS) * LABEL_H
        _label(pdf, label, office, x, y, fitted)
    return bytes(pdf.output())


def _label(
    pdf: FPDF, label: Label, office: str, x: float, y: float, fitted: dict[tuple, tuple[float, str]]
) -> None:
    _qr(pdf, label.url, x + PAD, y + PAD, QR_MM)
    left = x + PAD + QR_MM + 1.5
    width = x + LABEL_W - PAD - left
    lines: tuple[tuple[str, float, str], ...] = (
        ("", 7.0, office),
        ("B", 11.0, label.asset_number or "—"),
        ("", 9.0, label.name),
        ("", 8.0, label.caption),
        ("", 8.0, label.site_name),
    )
    top = y + PAD + 1
    for index, (style, size, text) in enumerate(lines):
        height = size * 0.3528 * 1.25  # points to mm, with line spacing
        if text:
            # Measuring shapes the text again: the office, a school, a kind repeat on many labels.
            key = (index, text)
            if key not in fitted:
                fitted[key] = _fitted(pdf, style, size, text, width, shrink=index == 1)
            size, shown = fitted[key]
            pdf.set_font(FONT, style, size)
            pdf.set_xy(left, top)
            pdf.cell(width, height, shown)
        top += height


def _fitted(
    pdf: FPDF, style: str, size: float, text: str, width: float, *, shrink: bool
) -> tuple[float, str]:
    """The size and text to print: `shrink` sets a long text smaller (the asset number is never
    cut), otherwise it is cut with an ellipsis."""
    pdf.set_font(FONT, style, size)
    if shrink:
        while size > MIN_NUMBER_PT and pdf.get_string_width(text) > width:
            size -= 0.5
            pdf.set_font(FONT, style, size)
    return size, _fit(pdf, text, width)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The text, cut with an ellipsis where it would leave the label."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    code = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    modules = len(matrix) + 2 * QUIET_ZONE
    unit = size / modules
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (QUIET_ZONE + start) * unit,
                y + (QUIET_ZONE + r) * unit,
                (c - start) * unit,
                unit,
                style="F",
            )
