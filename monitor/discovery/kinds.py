"""PURE: a found device's kind, and how sure we are, from what its agent and its neighbours say.

Evidence, strongest first:

1. **Capabilities** the device announces in LLDP (its own lldpLocSysCapEnabled, or what its
   neighbours' LLDP/CDP rows say about it): `wlanAccessPoint` is an AP; `router` without `bridge`
   is a router; `bridge`/`switch` without `router` is a switch; both (a MikroTik, a layer-3
   switch) are settled by the vendor, else router. These are the device's own words: high.
2. **sysObjectID** through collectors.vendors: a UPS or firewall maker's number is high (those
   makers make little else); an AP family medium; a switch maker medium, a maker of everything
   (Cisco, Huawei, Juniper) says nothing.
3. **sysDescr** keywords ("access point", "UPS", "FortiGate", "switch", "RouterOS"…): medium.
4. **sysServices** layers: only layer 2 → switch; layer 3 without layer 2 → router; only 4/7
   → server: low (agents fill it in carelessly).

Nothing: `other`, low. The strongest source wins; at equal strength, the earlier in this list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from collectors import vendors
from monitor.domain import DeviceKind


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_RANK = {Confidence.HIGH: 3, Confidence.MEDIUM: 2, Confidence.LOW: 1}


@dataclass(frozen=True)
class KindGuess:
    kind: DeviceKind
    confidence: Confidence
    source: str  # capabilities / object_id / descr / services / none
    detail: str  # the evidence in the agent's own words (a capability, a vendor, a keyword)


# collectors.vendors keys → the kind that maker's family almost always is, and how sure.
VENDOR_KINDS: dict[str, tuple[DeviceKind, Confidence]] = {
    "apc": (DeviceKind.UPS, Confidence.HIGH),
    "cyberpower": (DeviceKind.UPS, Confidence.HIGH),
    "eaton": (DeviceKind.UPS, Confidence.HIGH),
    "eaton-mge": (DeviceKind.UPS, Confidence.HIGH),
    "huawei-ups": (DeviceKind.UPS, Confidence.HIGH),
    "fortigate": (DeviceKind.FIREWALL, Confidence.HIGH),
    "pfsense": (DeviceKind.FIREWALL, Confidence.HIGH),
    "opnsense": (DeviceKind.FIREWALL, Confidence.HIGH),
    "sophos": (DeviceKind.FIREWALL, Confidence.HIGH),
    "cisco-wireless": (DeviceKind.AP, Confidence.MEDIUM),
    "aruba-instant": (DeviceKind.AP, Confidence.MEDIUM),
    "airos": (DeviceKind.AP, Confidence.MEDIUM),
    "unifi": (DeviceKind.AP, Confidence.MEDIUM),
    "synology": (DeviceKind.SERVER, Confidence.MEDIUM),
    "qnap": (DeviceKind.SERVER, Confidence.MEDIUM),
    "windows": (DeviceKind.SERVER, Confidence.MEDIUM),
    "linux": (DeviceKind.SERVER, Confidence.LOW),
    "mikrotik": (DeviceKind.ROUTER, Confidence.MEDIUM),
    "edgeos": (DeviceKind.ROUTER, Confidence.MEDIUM),
    "procurve": (DeviceKind.SWITCH, Confidence.MEDIUM),
    "aruba-cx": (DeviceKind.SWITCH, Confidence.MEDIUM),
    "edgeswitch": (DeviceKind.SWITCH, Confidence.MEDIUM),
    "tplink": (DeviceKind.SWITCH, Confidence.LOW),
    "dlink": (DeviceKind.SWITCH, Confidence.LOW),
    "zyxel": (DeviceKind.SWITCH, Confidence.LOW),
    "h3c": (DeviceKind.SWITCH, Confidence.LOW),
    "ruijie": (DeviceKind.SWITCH, Confidence.LOW),
    "cisco-business": (DeviceKind.SWITCH, Confidence.LOW),
}

# sysDescr words, checked in this order (an "AP with a switch port" is an AP).
DESCR_KINDS: tuple[tuple[re.Pattern[str], DeviceKind], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"\bups\b|uninterruptible|smart-ups|powerware", DeviceKind.UPS),
        (r"firewall|fortigate|fortios|pfsense|opnsense|\basa\b|sophos", DeviceKind.FIREWALL),
        (r"access point|\bwireless\b|\bwlan\b|\bunifi\b|\bairos\b|\buap\b|\beap\d", DeviceKind.AP),
        (r"\bswitch\b|catalyst|procurve|\bjetstream\b|\bs\d{4}", DeviceKind.SWITCH),
        (r"\brouter\b|routeros|\bisr\d|edgerouter|\bios xe\b", DeviceKind.ROUTER),
        (r"linux|windows|freebsd|synology|\bnas\b|\bserver\b", DeviceKind.SERVER),
    )
)

# sysServices: 1 physical, 2 datalink, 4 internet, 8 end-to-end, 64 applications (RFC 3418)
L2, L3, L4, L7 = 2, 4, 8, 64

ROUTER_CAPS = frozenset({"router"})
BRIDGE_CAPS = frozenset({"bridge", "switch", "transparentBridge", "sourceRouteBridge"})
AP_CAPS = frozenset({"wlanAccessPoint"})
STATION_CAPS = frozenset({"stationOnly", "host"})


def from_capabilities(
    capabilities: Iterable[str], vendor_kind: DeviceKind | None = None
) -> KindGuess | None:
    caps = frozenset(capabilities)
    if not caps:
        return None

    def said(kind: DeviceKind, words: Iterable[str]) -> KindGuess:
        return KindGuess(kind, Confidence.HIGH, "capabilities", ", ".join(sorted(words)))

    if caps & AP_CAPS:
        return said(DeviceKind.AP, caps & AP_CAPS)
    routes, bridges = bool(caps & ROUTER_CAPS), bool(caps & BRIDGE_CAPS)
    if routes and bridges:
        kind = vendor_kind if vendor_kind in (DeviceKind.SWITCH, DeviceKind.ROUTER) else None
        return KindGuess(
            kind or DeviceKind.ROUTER,
            Confidence.MEDIUM,
            "capabilities",
            ", ".join(sorted(caps & (ROUTER_CAPS | BRIDGE_CAPS))),
        )
    if routes:
        return said(DeviceKind.ROUTER, caps & ROUTER_CAPS)
    if bridges:
        return said(DeviceKind.SWITCH, caps & BRIDGE_CAPS)
    if caps & STATION_CAPS:
        return KindGuess(DeviceKind.SERVER, Confidence.LOW, "capabilities", ", ".join(sorted(caps)))
    return None


def from_object_id(object_id: str | None, descr: str | None) -> KindGuess | None:
    vendor = vendors.match(object_id, descr) if object_id else None
    if vendor is None or vendor.key not in VENDOR_KINDS:
        return None
    kind, confidence = VENDOR_KINDS[vendor.key]
    return KindGuess(kind, confidence, "object_id", f"{vendor.name or vendor.key} ({object_id})")


def from_descr(descr: str | None) -> KindGuess | None:
    text = (descr or "")[:2048]
    for pattern, kind in DESCR_KINDS:
        match = pattern.search(text)
        if match:
            return KindGuess(kind, Confidence.MEDIUM, "descr", match.group(0))
    return None


def from_services(services: int | None) -> KindGuess | None:
    if services is None or not 0 < services < 128:
        return None
    detail = f"sysServices {services}"
    if services & L2 and not services & (L3 | L4 | L7):
        return KindGuess(DeviceKind.SWITCH, Confidence.LOW, "services", detail)
    if services & L3 and not services & L2:
        return KindGuess(DeviceKind.ROUTER, Confidence.LOW, "services", detail)
    if services & (L4 | L7) and not services & (L2 | L3):
        return KindGuess(DeviceKind.SERVER, Confidence.LOW, "services", detail)
    return None


def infer_kind(
    *,
    object_id: str | None = None,
    descr: str | None = None,
    services: int | None = None,
    capabilities: Iterable[str] = (),
) -> KindGuess:
    """The kind, with how sure and why. `capabilities`: the device's own LLDP capabilities
    together with those its neighbours' rows give it."""
    by_vendor = from_object_id(object_id, descr)
    guesses = [
        from_capabilities(capabilities, by_vendor.kind if by_vendor else None),
        by_vendor,
        from_descr(descr),
        from_services(services),
    ]
    best: KindGuess | None = None
    for guess in guesses:
        if guess is not None and (best is None or _RANK[guess.confidence] > _RANK[best.confidence]):
            best = guess
    return best or KindGuess(DeviceKind.OTHER, Confidence.LOW, "none", "")
