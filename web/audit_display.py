"""An audit event in the reader's words: the action (acknowledge, resolve and reopen named as
such, not "edit"), who did it ("anonymous" only when nobody can be named), each field's label and
each value as a person reads it (Bangkok time with พ.ศ., yes/no, an enum's word).

The stored event keeps codes and ISO times (monitor.db.audit); only the page translates them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from monitor import i18n, localtime
from web.i18n import current_language, translate

# An incident's state change is what a person did to it.
_STATE_ACTIONS = {"acknowledged": "acknowledge", "resolved": "resolve", "open": "reopen"}
# Who did it, for a change whose session could not say (a request nobody was signed in for).
_DOER_FIELDS = {"acknowledged": "acknowledged_by", "resolved": "resolved_by"}
ANONYMOUS = "anonymous"
_SIGNED_OUT_ACTIONS = {"login_failed", "lockout"}

# Fields whose values are codes with words of their own: field → catalogue prefix.
_VALUE_WORDS = {
    "kind": "kind_",
    "cause": "cause_",
    "role": "acct_role_",
    "category": "rcat_",
}
# `state` and `status` mean different things per object type.
_STATE_WORDS = {"incident": "inc_state_", "risk": "rstatus_", "device": "state_"}

_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _pair(changes: Mapping | None, field: str):
    pair = (changes or {}).get(field)
    return pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else None


def action_key(event) -> str:
    """The action as a person would name it: an incident whose state moved to acknowledged,
    resolved or (from resolved) open was acknowledged, resolved, reopened — not "edited"."""
    if event.object_type == "incident" and event.action == "update":
        state = _pair(event.changes, "state")
        if state and state[1] in _STATE_ACTIONS:
            return _STATE_ACTIONS[state[1]]
    return event.action


def action_word(event) -> str:
    key = f"audit_action_{action_key(event)}"
    return translate(key) if i18n.known(key) else action_key(event)


def actor(event) -> str:
    """Who did it: the stored actor, else the person the change itself names; a failed sign-in
    is "not signed in"; any other change made with no one signed in is ictmon's own ("system")."""
    if event.actor and event.actor != ANONYMOUS:
        return event.actor
    state = _pair(event.changes, "state")
    doer = _pair(event.changes, _DOER_FIELDS.get(state[1], "")) if state else None
    if doer and doer[1]:
        return str(doer[1])
    if event.action in _SIGNED_OUT_ACTIONS:  # someone at the sign-in form: not signed in (yet)
        return translate("audit_actor_anonymous")
    return translate("audit_actor_system")


def field_label(field: str) -> str:
    key = f"audit_field_{field}"
    return translate(key) if i18n.known(key) else field


def value_text(object_type: str, field: str, value: object) -> str:
    """One value of a change as the reader reads it; an empty one is "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return translate("yes") if value else translate("no")
    text = str(value)
    prefix = _STATE_WORDS.get(object_type) if field in ("state", "status") else None
    prefix = prefix or _VALUE_WORDS.get(field)
    if prefix and i18n.known(f"{prefix}{text}"):
        return translate(f"{prefix}{text}")
    # A stored value is whatever was typed: 9999-12-31T23:59 parses but has no Bangkok time.
    try:
        if _ISO_MOMENT.match(text):
            return localtime.format_datetime(datetime.fromisoformat(text), current_language())
        if _ISO_DAY.match(text):
            return localtime.format_date(date.fromisoformat(text), current_language())
    except (ValueError, OverflowError):
        pass
    return text


def register(app) -> None:
    app.add_template_global(action_word, "audit_action_word")
    app.add_template_global(actor, "audit_actor")
    app.add_template_global(field_label, "audit_field")
    app.add_template_global(value_text, "audit_value")
