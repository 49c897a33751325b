"""`ictmon poll --once --snmp`: one SNMP round, printed as a table (kept out of the thin CLI)."""

from __future__ import annotations

from collections.abc import Callable

from monitor.db.engine import transaction
from monitor.localtime import format_duration
from monitor.snmp.rounds import SnmpPoller
from monitor.status.store import device_names


def print_snmp_round(settings, sessions, echo: Callable[[str], None]) -> None:
    poller = SnmpPoller(settings, sessions)
    try:
        summary = poller.run()
    finally:
        poller.close()
    with transaction(sessions) as session:
        names = device_names(
            session, [r.key for r in summary.results] + [device for device, _ in summary.unusable]
        )
    echo(
        f"{'site':<10} {'device':<24} {'address':<16} {'state':<10} {'uptime':<16} "
        f"{'ifs up':>7}  note"
    )
    for r in sorted(summary.results, key=lambda r: names.get(r.key, ("?", "?"))):
        site, name = names.get(r.key, ("?", "?"))
        uptime = format_duration_cs(r.uptime_cs)
        up = sum(i.oper_status == "up" for i in r.interfaces)
        ifs = f"{up}/{len(r.interfaces)}" if r.interfaces else "-"
        note = r.error or ""
        if r.ok:
            bits = []
            if r.inventory:
                bits.append("inventory")
            if r.health and r.health.cpu_pct is not None:
                bits.append(f"cpu {r.health.cpu_pct:g}%")
            if r.ups:
                bits.append("UPS on battery" if r.ups.on_battery else "UPS on mains")
                if r.ups.charge_pct is not None:
                    bits.append(f"charge {r.ups.charge_pct}%")
            if r.key in summary.reboots:
                bits.append("REBOOTED")
            note = ", ".join(bits)
        echo(
            f"{site:<10} {name[:24]:<24} {r.address[:16]:<16} {r.state:<10} {uptime:<16} "
            f"{ifs:>7}  {note}"
        )
    for device, why in summary.unusable:
        site, name = names.get(device, ("?", "?"))
        echo(f"{site:<10} {name[:24]:<24} {'':<16} {'error':<10} {'-':<16} {'-':>7}  {why}")
    answered = sum(r.ok for r in summary.results)
    echo(
        f"{len(summary.results) + len(summary.unusable)} devices with SNMP, {answered} answered, "
        f"{len(summary.results) - answered + len(summary.unusable)} not, "
        f"{summary.seconds:.2f} s"
    )


def format_duration_cs(uptime_cs: int | None) -> str:
    from datetime import timedelta

    if uptime_cs is None:
        return "-"
    return format_duration(timedelta(seconds=uptime_cs // 100), "en")
