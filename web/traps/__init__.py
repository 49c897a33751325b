"""The device page's events from SNMP traps (monitor.traps): no pages of its own, one include."""

from __future__ import annotations

from flask import Flask

from monitor.traps.store import EventRow, device_events
from web.database import db


def _device_events(device_id: int) -> list[EventRow]:
    """The device page's include asks for its rows by id (device.html is shared; its view is
    not ours to widen), as the SNMP section does."""
    return device_events(db(), device_id)


def init_app(app: Flask) -> None:
    app.add_template_global(_device_events, "device_events")
