"""One school's network, described once, for the discovery tests: as the crawl's `Found` rows (the
unit tests of kinds, topology and proposal) and as snmpsim recordings (the crawl against real
agents on loopback). A MikroTik router, two switches (the second behind the first), four APs
(two on each switch), all speaking LLDP; a Cisco switch on the router that speaks only CDP.

Addresses are in 127.40.1.0/24: loopback, nothing leaves the machine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from collectors import discovery as d
from collectors.discovery import CDP_CAPABILITIES_BITS, LLDP_CAPABILITIES, Found, NeighbourRow
from monitor.demo.agents import snmprec

LLDP, CDP = "lldp", "cdp"


@dataclass(frozen=True)
class Box:
    address: str
    name: str
    object_id: str
    descr: str
    services: int
    capabilities: frozenset[str]  # LLDP enabled capabilities ((): speaks no LLDP)
    cdp_capabilities: int = 0  # what its CDP announces (0: speaks no CDP)
    ports: tuple[str, ...] = ()  # port names, ifIndex / LLDP port number = position + 1
    kind: str = ""  # what the tests expect discovery to call it
    parent: str | None = None  # … and where it should hang

    @property
    def mac(self) -> str:
        last = int(ipaddress.ip_address(self.address)) & 0xFF
        return f"02:40:01:00:00:{last:02x}"

    def port_number(self, name: str) -> int:
        return self.ports.index(name) + 1


ROUTER = Box(
    "127.40.1.1", "r-s012", "1.3.6.1.4.1.14988.1", "RouterOS RB4011iGS+", 78,
    frozenset({"bridge", "router"}), 0x01, ("ether1", "ether2", "ether3", "ether4", "ether5"),
    kind="router",
)  # fmt: skip
SW1 = Box(
    "127.40.1.2", "sw1-s012", "1.3.6.1.4.1.11.2.3.7.11.153", "HP J9775A 2530-48G Switch", 2,
    frozenset({"bridge"}), 0, tuple(str(n) for n in range(1, 25)), kind="switch",
    parent="127.40.1.1",
)  # fmt: skip
SW2 = Box(
    "127.40.1.3", "sw2-s012", "1.3.6.1.4.1.11863.1.1.3",
    "JetStream 24-Port Gigabit L2 Managed Switch", 2, frozenset({"bridge"}), 0,
    tuple(str(n) for n in range(1, 25)), kind="switch", parent="127.40.1.2",
)  # fmt: skip
APS = tuple(
    Box(
        f"127.40.1.{10 + n}",
        f"ap{n}-s012",
        "1.3.6.1.4.1.41112.1.6",
        "UAP-AC-Lite 6.5.28",
        2,
        frozenset({"wlanAccessPoint"}),
        0,
        ("eth0",),
        kind="ap",
        parent="127.40.1.2" if n <= 2 else "127.40.1.3",
    )
    for n in range(1, 5)
)
CISCO = Box(
    "127.40.1.20", "lib-c2960", "1.3.6.1.4.1.9.1.1208",
    "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11", 2,
    frozenset(), 0x28, ("Gi0/1", "Gi0/2"), kind="switch", parent="127.40.1.1",
)  # fmt: skip
BOXES = (ROUTER, SW1, SW2, *APS, CISCO)

# (a, a's port, b, b's port, protocol)
LINKS = (
    (ROUTER, "ether2", SW1, "1", LLDP),
    (SW1, "24", SW2, "24", LLDP),
    (SW1, "5", APS[0], "eth0", LLDP),
    (SW1, "6", APS[1], "eth0", LLDP),
    (SW2, "3", APS[2], "eth0", LLDP),
    (SW2, "4", APS[3], "eth0", LLDP),
    (ROUTER, "ether5", CISCO, "Gi0/1", CDP),
)


def rows_of(box: Box, links=LINKS) -> tuple[NeighbourRow, ...]:
    """What `box`'s LLDP/CDP tables say, as the crawl reads them."""
    rows = []
    for a, a_port, b, b_port, protocol in links:
        for here, port, there, their_port in ((a, a_port, b, b_port), (b, b_port, a, a_port)):
            if here.address != box.address:
                continue
            if protocol == LLDP:
                rows.append(
                    NeighbourRow(
                        LLDP,
                        port,
                        there.name,
                        their_port,
                        there.mac,
                        there.address,
                        there.capabilities,
                    )
                )
            else:
                caps = _cdp_words(there.cdp_capabilities)
                rows.append(
                    NeighbourRow(CDP, port, there.name, their_port, None, there.address, caps)
                )
    return tuple(sorted(rows, key=lambda r: (r.protocol != LLDP, r.local_port)))


def _cdp_words(word: int) -> frozenset[str]:
    return frozenset(name for bit, name in CDP_CAPABILITIES_BITS if word & bit)


def found(box: Box, links=LINKS) -> Found:
    return Found(
        address=box.address,
        state="ok",
        object_id=box.object_id,
        descr=box.descr,
        sys_name=box.name,
        services=box.services,
        chassis_id=box.mac if box.capabilities else None,
        capabilities=box.capabilities,
        neighbours=rows_of(box, links),
    )


def site(links=LINKS) -> list[Found]:
    return [found(b, links) for b in BOXES]


def moved(found_rows: list[Found], **changes) -> list[Found]:
    return [replace(f, **changes) if f.address == changes.get("address") else f for f in found_rows]


# -- snmpsim recordings ---------------------------------------------------------------------


def _bits(capabilities: frozenset[str]) -> str:
    value = 0
    for position, name in enumerate(LLDP_CAPABILITIES):
        if name in capabilities:
            value |= 0x80 >> position
    return f"{value:02x}00"


def recording(box: Box, links=LINKS, boxes: tuple[Box, ...] = BOXES) -> str:
    """The .snmprec text of `box`: system group, LLDP local and remote tables (with the remote
    management address in lldpRemManAddrTable's index), CDP cache, ifName."""
    rows = [
        ("1.3.6.1.2.1.1.1.0", "4", box.descr),
        ("1.3.6.1.2.1.1.2.0", "6", box.object_id),
        ("1.3.6.1.2.1.1.3.0", "67", "123456"),
        ("1.3.6.1.2.1.1.5.0", "4", box.name),
        ("1.3.6.1.2.1.1.7.0", "2", str(box.services)),
    ]
    for number, port in enumerate(box.ports, start=1):
        rows.append((f"1.3.6.1.2.1.31.1.1.1.1.{number}", "4", port))
    if box.capabilities:
        rows += [
            (d.LLDP_LOC_CHASSIS_ID, "4x", box.mac.replace(":", "")),
            (d.LLDP_LOC_CAP_ENABLED, "4x", _bits(box.capabilities)),
        ]
        for number, port in enumerate(box.ports, start=1):
            rows.append((f"{d.LLDP_LOC_PORT_ID}.{number}", "4", port))
            rows.append((f"{d.LLDP_LOC_PORT_DESCR}.{number}", "4", port))
    for n, row in enumerate(rows_of(box, links), start=1):
        number = box.port_number(row.local_port)
        there = next(b for b in boxes if b.address == row.remote_address)
        if row.protocol == LLDP:
            index = f"0.{number}.{n}"
            rows += [
                (f"{d.LLDP_REM}.4.{index}", "2", "4"),  # chassis id is a MAC address
                (f"{d.LLDP_REM_CHASSIS}.{index}", "4x", there.mac.replace(":", "")),
                (f"{d.LLDP_REM_PORT_ID}.{index}", "4", row.remote_port),
                (f"{d.LLDP_REM_PORT_DESCR}.{index}", "4", row.remote_port),
                (f"{d.LLDP_REM_SYS_NAME}.{index}", "4", there.name),
                (f"{d.LLDP_REM_CAP_ENABLED}.{index}", "4x", _bits(there.capabilities)),
                (f"{d.LLDP_REM_MAN_ADDR_IF_SUBTYPE}.{index}.1.4.{there.address}", "2", "2"),
            ]
        else:
            index = f"{number}.{n}"
            address = ipaddress.ip_address(there.address).packed.hex()
            rows += [
                (f"{d.CDP_ADDRESS_TYPE}.{index}", "2", "1"),
                (f"{d.CDP_ADDRESS}.{index}", "4x", address),
                (f"{d.CDP_DEVICE_ID}.{index}", "4", there.name),
                (f"{d.CDP_DEVICE_PORT}.{index}", "4", row.remote_port),
                (f"{d.CDP_CAPABILITIES}.{index}", "4x", f"{there.cdp_capabilities:08x}"),
            ]
    return snmprec(rows)
