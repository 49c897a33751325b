"""PURE: a site's `address_ranges` ("10.40.12.0/24, 10.40.13.0/24") as typed: split, and
checked and cleaned for the site form. (Whether a requested range lies inside them is
monitor.snmp.discover's check.)"""

from __future__ import annotations

import ipaddress
import re

MAX_TEXT = 500
_SPLIT = re.compile(r"[\s,;]+")


def split(text: str | None) -> list[str]:
    """The ranges as typed: separated by commas, semicolons or white space."""
    return [part for part in _SPLIT.split(text or "") if part]


def clean(text: str | None) -> str:
    """The site form's value as stored ("a, b"), or ValueError naming the part that is wrong."""
    cleaned: list[str] = []
    for part in split(text):
        try:
            network = ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"not an address range: {part!r}") from None
        if str(network) not in cleaned:
            cleaned.append(str(network))
    out = ", ".join(cleaned)
    if len(out) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters of ranges")
    return out
