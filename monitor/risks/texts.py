"""A rule's words kept as a key and its arguments, and put in the reader's language when shown.

The rules store what they found as data — `{"key": "risk_t_warranty_expired", "args": {"subject":
"core (S01)"}}` — never as a sentence, so the register reads in Thai or English alike. An argument
may itself be such a text, or a list of them (joined with ", "). A plain string is a text someone
typed, or one stored before rules kept keys: it is shown as it is.
"""

from __future__ import annotations

from typing import Any

from monitor import i18n


def text(key: str, **args: Any) -> dict:
    return {"key": key, "args": args}


def is_text(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("key"), str)
        and isinstance(value.get("args", {}), dict)
    )


def render(value: object, lang: str) -> str:
    """The text in `lang`; a plain string as it is; None as ""."""
    if value is None:
        return ""
    if not is_text(value):
        return str(value)
    assert isinstance(value, dict)
    args = {name: _argument(v, lang) for name, v in value.get("args", {}).items()}
    if not i18n.known(value["key"]):
        return value["key"]
    try:
        return i18n.translate(value["key"], lang, **args)
    except (KeyError, IndexError, ValueError):  # a stored argument the words no longer fit
        return i18n.lookup(value["key"], lang) or value["key"]


def _argument(value: object, lang: str) -> object:
    if is_text(value):
        return render(value, lang)
    if isinstance(value, list) and value and all(is_text(v) for v in value):
        return ", ".join(render(v, lang) for v in value)
    return value
