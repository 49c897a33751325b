"""Every word ictmon shows, in Thai and English: one gettext catalogue per language.

The catalogues are monitor/locale/<lang>/LC_MESSAGES/messages.po, so a translator can work on them
with ordinary tools. The msgids are symbolic keys ("state_down"); the Thai catalogue carries the
English text as a comment. Texts hold `{name}` placeholders, filled in here with str.format.

A key missing from a language falls back to Thai, then to the key itself, so a forgotten
translation shows up as text rather than an error. The pages (web.i18n), the monthly report and
the alert mails all look their words up here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LANGUAGES = ("th", "en")
FALLBACK = "th"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The language's translated entries (an empty msgstr counts as missing)."""
    if lang not in LANGUAGES:
        return {}
    # Deferred: Babel takes ~0.3 s to import, paid on the first word looked up rather than by every
    # command that merely imports a module with words.
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as f:
        messages = read_po(f, locale=lang)
    # Plural entries (tuples) are not used: every count is a `{n}` in the text.
    return {
        m.id: m.string
        for m in messages
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
    }


def lookup(key: str, lang: str) -> str | None:
    """The key's text in `lang`, else in Thai; None when neither catalogue has it."""
    return catalogue(lang).get(key) or catalogue(FALLBACK).get(key)


def known(key: str) -> bool:
    return lookup(key, FALLBACK) is not None


def translate(key: str, lang: str, **values: object) -> str:
    text = lookup(key, lang) or key
    return text.format(**values) if values else text
