"""A school's contacts: the responsible person, phone, LINE id, ISP, circuit id, ISP hotline.

One optional row per site (site_contacts): shown on the site page and in the school's chat
alerts, so the officer on call can phone the right person at once. Saving all fields empty
removes the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.db.models import Site, SiteContact
from monitor.devices.admin import Invalid
from monitor.devices.importer import refuse_control_characters

# field → the longest text it may hold (the column's size)
FIELDS: dict[str, int] = {
    "person": 200,
    "phone": 64,
    "line_id": 100,
    "isp": 100,
    "circuit_id": 100,
    "isp_hotline": 64,
}


@dataclass(frozen=True)
class Contact:
    person: str = ""
    phone: str = ""
    line_id: str = ""
    isp: str = ""
    circuit_id: str = ""
    isp_hotline: str = ""

    def __bool__(self) -> bool:
        return any(getattr(self, f) for f in FIELDS)

    def values(self) -> dict[str, str]:
        """For the form macros, which read fields with .get()."""
        return {f: getattr(self, f) for f in FIELDS}


def contact_of(session: Session, site_id: int) -> Contact:
    row = session.get(SiteContact, site_id)
    if row is None:
        return Contact()
    return Contact(**{f: getattr(row, f) or "" for f in FIELDS})


def contacts_of(session: Session, site_ids: Iterable[int]) -> dict[int, Contact]:
    """The contacts of these sites that have one, in one query (the status page asks for the
    schools that are down)."""
    ids = list(site_ids)
    if not ids:
        return {}
    rows = session.scalars(select(SiteContact).where(SiteContact.site_id.in_(ids)))
    found = {r.site_id: Contact(**{f: getattr(r, f) or "" for f in FIELDS}) for r in rows}
    return {site_id: c for site_id, c in found.items() if c}


def _clean(value: Any, limit: int) -> str:
    text = " ".join(str(value or "").split())  # one line: these go into alerts line by line
    refuse_control_characters(text)
    if len(text) > limit:
        raise ValueError(f"at most {limit} characters")
    return text


def save_contact(session: Session, site_id: int, data: Mapping[str, Any]) -> Contact:
    if session.get(Site, site_id) is None:
        raise LookupError(f"no site with id {site_id}")
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field, limit in FIELDS.items():
        try:
            values[field] = _clean(data.get(field, ""), limit)
        except ValueError as exc:
            errors[field] = str(exc)
    if errors:
        raise Invalid(errors)
    row = session.get(SiteContact, site_id)
    contact = Contact(**values)
    if not contact:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SiteContact(site_id=site_id, **values))
    else:
        for field, value in values.items():
            setattr(row, field, value)
    session.flush()
    return contact
