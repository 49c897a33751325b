"""Where a line of report text may break: between Thai words, never inside a word or a number. PURE.

Thai is written without spaces between words, so a renderer that breaks only at spaces (fpdf2) either
overflows or cuts a word where the width runs out (เหตุการ|ณ์). PyThaiNLP's dictionary segmenter
(`newmm`) finds the word boundaries; runs without Thai letters ("148:33:00", "99.50%", "12/10/2569",
"router-bkk01") stay whole, and punctuation keeps to the word it belongs to. `wrap` fills lines
greedily with those units, measured by the caller's function (the PDF's font metrics), so the
renderer receives lines that already fit and never breaks them itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from pythainlp.tokenize import subword_tokenize, word_tokenize

ENGINE = "newmm"
_THAI = re.compile("[\u0e00-\u0e7f]")
# Spaces a line may break at; a no-break space (U+00A0) binds what it joins ("5 ต.ค. 2569").
_SPACE = re.compile("([ \t\r\u2002-\u200b\u3000]+)")
# Marks that belong to what precedes them (no line starts with them) or follows them.
_CLOSING = set(")]}»”’,.;:!?%ๆฯ")
_OPENING = set("([{«“‘")


def has_thai(text: str) -> bool:
    return bool(_THAI.search(text))


@lru_cache(maxsize=4096)
def _chunk_units(chunk: str) -> tuple[str, ...]:
    """The unbreakable pieces of a run without spaces (no-break spaces hold a run together)."""
    if not has_thai(chunk) or "\u00a0" in chunk:
        return (chunk,)
    units: list[str] = []
    for token in word_tokenize(chunk, engine=ENGINE, keep_whitespace=False):
        if not token:
            continue
        if units and (
            (not has_thai(token) and not has_thai(units[-1]))  # "12" + "/10/2569" stays whole
            or all(ch in _CLOSING for ch in token)
            or all(ch in _OPENING for ch in units[-1])
        ):
            units[-1] += token
        else:
            units.append(token)
    return tuple(units)


def units(text: str) -> list[str]:
    """Text as the pieces a line may break between: words, number runs, and whitespace runs."""
    pieces: list[str] = []
    for part in _SPACE.split(text):
        if not part:
            continue
        if part.isspace():
            pieces.append(part)
        else:
            pieces.extend(_chunk_units(part))
    return pieces


def _clusters(word: str) -> list[str]:
    """A word too long for any line, cut only between Thai character clusters (a consonant with its
    vowels and tone marks), the least bad place when there is no word boundary left."""
    if has_thai(word):
        return [c for c in subword_tokenize(word, engine="tcc") if c]
    out: list[str] = []
    for ch in word:
        if out and unicodedata.category(ch) == "Mn":
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _split_long(word: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines, current = [], ""
    for cluster in _clusters(word):
        if current and measure(current + cluster) > width:
            lines.append(current)
            current = cluster
        else:
            current += cluster
    return [*lines, current] if current else lines


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """The lines `text` takes in `width`, each broken at a word boundary. Newlines in the text are
    kept; the spaces a break replaces are dropped (a paragraph's own indent at its start stays).

    A line's width is the sum of its pieces' widths, each measured once: shaping one long string
    again for every word added would cost the square of its length."""
    widths: dict[str, float] = {}

    def w(piece: str) -> float:
        if piece not in widths:
            widths[piece] = measure(piece)
        return widths[piece]

    lines: list[str] = []
    for paragraph in text.split("\n"):
        first_line = len(lines)
        current, current_w, pending = "", 0.0, ""
        for unit in units(paragraph):
            if unit.isspace():
                if current:
                    pending = unit
                elif len(lines) == first_line:  # the paragraph's indent
                    pending += unit
                continue
            added = w(pending) + w(unit) if pending else w(unit)
            if not current or current_w + added <= width:
                current, current_w = current + pending + unit, current_w + added
            else:
                lines.append(current)
                current, current_w = unit, w(unit)
            pending = ""
            if current_w > width:
                *full, current = _split_long(current, width, measure)
                lines.extend(full)
                current_w = measure(current)
        lines.append(current)
    return lines


def wrap_text(text: str, width: float, measure: Callable[[str], float]) -> str:
    return "\n".join(wrap(text, width, measure))
