"""The pages' language: which one a request is shown in, and the lookup the templates call as `t`.

`?lang=th|en` on any page switches the language and remembers it in the session; without it the
default is [web] default_language. The words themselves are the core's catalogue (monitor.i18n,
gettext .po files), with its fallback: missing in English -> Thai -> the key itself.
"""

from __future__ import annotations

from flask import current_app, g, request, session

from monitor import i18n
from monitor.i18n import LANGUAGES


def translate(key: str, lang: str | None = None, **values: object) -> str:
    return i18n.translate(key, lang or current_language(), **values)


def current_language() -> str:
    return getattr(g, "lang", None) or current_app.config.get("ICTMON_DEFAULT_LANGUAGE", "th")


def select_language() -> None:
    """before_request: take ?lang= (and remember it), else the session's, else the default."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
    lang = session.get("lang")
    g.lang = lang if lang in LANGUAGES else current_app.config.get("ICTMON_DEFAULT_LANGUAGE", "th")
