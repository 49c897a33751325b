#!/usr/bin/env python3
"""Coverage on real equipment: ictmon's SNMP collection against LibreNMS's results on the same
walks.

    .venv/bin/python bench/real_devices.py [--walks ../shared/real-devices] [--verbose]

The walks (`<walks>/snmprec/<name>.snmprec`) and LibreNMS's discovery results
(`<walks>/expected/<name>.json`) are read where they are, never copied into the project: one
snmpsim process serves the folder itself (community = file name) on 127.0.0.1. Then:

1. ictmon's inventory visit of every device, and the interval poll that follows it (with the
   plan the inventory made: vendor rules, chosen storage rows), as the service runs them;
2. per device and in total: model, serial, firmware (a match when one contains the other, case
   and punctuation aside), vendor, CPU and memory (within 10 points of LibreNMS), storage (the
   disks LibreNMS lists that ictmon shows), UPS state and charge, and ports (LibreNMS's ifIndexes
   that ictmon lists; it may list more, never fewer);
3. a real SNMP round twice into a scratch SQLite database, then every page that shows the
   collected values (device page, inventory, exports, chart data, API): any answer but 200 is
   printed.

Figures are printed, not asserted. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from collectors.snmp import SnmpCollector, SnmpCredentials, SnmpResult, SnmpTarget  # noqa: E402
from monitor.accounts.users import create_user  # noqa: E402
from monitor.db import engine as dbmod  # noqa: E402
from monitor.db.models import Device, Site  # noqa: E402
from monitor.demo import agents as snmp_agents  # noqa: E402
from monitor.secrets import Vault, ensure_keys  # noqa: E402
from monitor.settings import DatabaseSettings, PathSettings, Settings  # noqa: E402
from monitor.snmp.rounds import SnmpPoller  # noqa: E402
from web.app import create_app  # noqa: E402

ADDRESS = "127.0.0.1"
TOLERANCE = 10.0  # percentage points, CPU and memory
# LibreNMS state sensors that say whether a UPS runs on battery: value → on battery?
UPS_SOURCE_STATES = {
    "upsOutputSourceState": {3: False, 4: False, 5: True, 6: False, 7: False},
    "upsBasicOutputStatus": {2: False, 3: True, 4: False, 12: False},
    "upsmgOutputOnBattery": {1: True, 2: False},
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ADDRESS, 0))
        return s.getsockname()[1]


def same(ours: str | None, theirs: str | None) -> bool:
    def norm(text: str) -> str:
        return re.sub(r"[^0-9a-z]", "", text.casefold())

    if not ours or not theirs:
        return False
    a, b = norm(ours), norm(theirs)
    return bool(a and b) and (a in b or b in a)


def section(data: dict, name: str, key: str) -> list[dict]:
    part = data.get(name)
    if not isinstance(part, dict):
        return []
    for stage in ("poller", "discovery"):
        found = part.get(stage)
        if isinstance(found, dict) and isinstance(found.get(key), list):
            return found[key]
    return []


def expected_of(data: dict) -> dict:
    device = data["os"]["discovery"]["devices"][0]
    cpus = [p["processor_usage"] for p in section(data, "processors", "processors")]
    pools = section(data, "mempools", "mempools")
    system = [m for m in pools if m.get("mempool_class") == "system"] or pools
    sensors = section(data, "sensors", "sensors")
    charge = next((s["sensor_current"] for s in sensors if s["sensor_class"] == "charge"), None)
    on_battery = None
    for s in sensors:
        states = UPS_SOURCE_STATES.get(s.get("state_name") or "")
        if states and s.get("sensor_current") is not None:
            on_battery = states.get(int(s["sensor_current"]), on_battery)
            break
    ports = section(data, "ports", "ports")
    return {
        "os": device.get("os"),
        "model": device.get("hardware"),
        "serial": device.get("serial"),
        "firmware": device.get("version"),
        "cpu": sum(cpus) / len(cpus) if cpus else None,
        "memory": system[0].get("mempool_perc") if system else None,
        "storage": [s["storage_descr"] for s in section(data, "storage", "storage")],
        "ups": charge is not None or on_battery is not None,
        "charge": charge,
        "on_battery": on_battery,
        "ports": {int(p["ifIndex"]) for p in ports if p.get("ifIndex") is not None},
    }


class Tally:
    def __init__(self):
        self.counts: dict[str, list[int]] = {}

    def add(self, field: str, wanted: bool, right: bool) -> str:
        if not wanted:
            return "·"
        hit = self.counts.setdefault(field, [0, 0])
        hit[1] += 1
        hit[0] += bool(right)
        return "ok" if right else "MISS"


def start_snmpsim(walks: Path, work: Path, port: int) -> subprocess.Popen:
    command = snmp_agents.snmpsim_command()
    if command is None:
        sys.exit("snmpsim not found: pip install -e '.[test]'")
    argv = [
        command,
        f"--data-dir={walks / 'snmprec'}",
        f"--cache-dir={work / 'cache'}",
        "--log-level=error",
        f"--agent-udpv4-endpoint={ADDRESS}:{port}",
    ]
    if os.geteuid() == 0:
        argv += ["--process-user=root", "--process-group=root"]
    log = (work / "snmpsim.log").open("wb")
    process = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()
    return process


def wait_ready(names: list[str], port: int) -> None:
    deadline = time.monotonic() + 120
    pending = list(names)
    with SnmpCollector(timeout=5, retries=0, max_concurrency=2) as probe:
        while pending and time.monotonic() < deadline:
            results = probe.poll(
                SnmpTarget(n, ADDRESS, SnmpCredentials("2c", n), port=port) for n in pending
            )
            pending = [r.key for r in results if not r.ok]
    if pending:
        sys.exit(f"snmpsim did not answer for: {', '.join(pending)}")


def poll_target(result: SnmpResult, port: int) -> SnmpTarget:
    """The next interval poll's target, as monitor.snmp.store.load_plan builds it."""
    return SnmpTarget(
        result.key,
        ADDRESS,
        SnmpCredentials("2c", result.key),
        port=port,
        host_resources=result.health is not None,
        ups=result.ups is not None,
        if_count=len(result.interfaces),
        plan=result.plan,
    )


def compare(names, inventory, polled, expected, verbose: bool) -> Tally:
    tally = Tally()
    print(
        f"\n{'device':<24} {'model':<5} {'serial':<6} {'firmw':<5} {'vendor':<12} "
        f"{'cpu ours/LNMS':>14} {'mem ours/LNMS':>14} {'disks':>6} {'ups':<10} {'ports':>9}"
    )
    for name in names:
        inv, poll, want = inventory[name], polled[name], expected[name]
        system = inv.system
        health = poll.health or inv.health
        model = tally.add("model", bool(want["model"]), same(system.model, want["model"]))
        serial = tally.add(
            "serial",
            bool(want["serial"]) and "<private>" not in (want["serial"] or ""),
            same(system.serial, want["serial"]),
        )
        firmware = tally.add(
            "firmware", bool(want["firmware"]), same(system.firmware, want["firmware"])
        )
        tally.add("vendor", True, bool(system.vendor))
        cpu = health.cpu_pct if health else None
        memory = health.memory_pct if health else None
        cpu_ok = cpu is not None and want["cpu"] is not None and abs(cpu - want["cpu"]) <= TOLERANCE
        mem_ok = (
            memory is not None
            and want["memory"] is not None
            and abs(memory - want["memory"]) <= TOLERANCE
        )
        tally.add("cpu", want["cpu"] is not None, cpu_ok)
        tally.add("memory", want["memory"] is not None, mem_ok)
        disks = {d.descr for d in (health.disks if health else ())}
        disk_hits = sum(1 for d in want["storage"] if d[:100] in disks)
        for d in want["storage"]:
            tally.add("storage", True, d[:100] in disks)
        ups = poll.ups or inv.ups
        if want["ups"]:
            state_ok = want["on_battery"] is None or (ups and ups.on_battery == want["on_battery"])
            charge_ok = want["charge"] is None or (
                ups and ups.charge_pct is not None and abs(ups.charge_pct - want["charge"]) <= 1
            )
            tally.add("ups state", want["on_battery"] is not None, bool(state_ok))
            tally.add("ups charge", want["charge"] is not None, bool(charge_ok))
            ups_text = (
                f"{'batt' if ups and ups.on_battery else 'mains' if ups else '—'} "
                f"{ups.charge_pct if ups else '—'}%"
            )
        else:
            ups_text = "·"
        ours_ports = {i.if_index for i in inv.interfaces}
        port_hits = len(want["ports"] & ours_ports)
        counts = tally.counts.setdefault("ports", [0, 0])
        counts[0] += port_hits
        counts[1] += len(want["ports"])

        def pct(v):
            return "—" if v is None else f"{v:.0f}"

        print(
            f"{name[:24]:<24} {model:<5} {serial:<6} {firmware:<5} {(system.vendor or '—')[:12]:<12} "
            f"{pct(cpu):>6}/{pct(want['cpu']):<7} {pct(memory):>6}/{pct(want['memory']):<7} "
            f"{disk_hits:>2}/{len(want['storage']):<3} {ups_text:<10} "
            f"{port_hits:>4}/{len(want['ports']):<4}"
        )
        if verbose:
            print(f"    model    {system.model!r:40} LibreNMS {want['model']!r}")
            print(f"    serial   {system.serial!r:40} LibreNMS {want['serial']!r}")
            print(f"    firmware {system.firmware!r:40} LibreNMS {want['firmware']!r}")
            print(f"    disks    {sorted(disks)} LibreNMS {want['storage']}")
            if inv.plan:
                print(f"    plan     {inv.plan}")
            if not poll.ok:
                print(f"    poll failed: {poll.error}")
    return tally


class _LastError(logging.Handler):
    last: str = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.last = f"{type(error).__name__}: {str(error)[:200]}"


_errors = _LastError(logging.ERROR)


def fetch(client, path: str) -> int | str:
    _errors.last = ""
    status = client.get(path).status_code
    return f"{status} ({_errors.last})" if status == 500 and _errors.last else status


def pages(names: list[str], port: int, work: Path) -> list[str]:
    """Two real SNMP rounds into a scratch database, then every page that shows their values."""
    settings = replace(
        Settings(),
        database=DatabaseSettings(url=f"sqlite:///{work}/bench.db"),
        paths=PathSettings(data_dir=f"{work}/data"),
    )
    ensure_keys(settings)
    engine = dbmod.make_engine(settings.database.url)
    dbmod.upgrade(engine)
    factory = dbmod.session_factory(engine)
    vault = Vault.from_settings(settings)
    now = datetime.now(UTC).replace(microsecond=0)
    ids = {}
    with factory.begin() as s:
        create_user(s, "bench", "bench password 1")
        site = Site(code="B01", name="bench", enabled=True, created_at=now)
        s.add(site)
        s.flush()
        for name in names:
            device = Device(
                site_id=site.id, name=name, address=ADDRESS, kind="switch", enabled=True,
                created_at=now, updated_at=now,
            )  # fmt: skip
            device.snmp_version, device.snmp_port = "2c", port
            device.snmp_community = vault.encrypt(name)
            s.add(device)
            s.flush()
            ids[name] = device.id
    clock = [now]
    poller = SnmpPoller(
        settings,
        factory,
        collector=SnmpCollector(timeout=5, retries=1, max_concurrency=3),
        clock=lambda: clock[0],
    )
    failures = []
    app = create_app(settings, session_factory=factory)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.logger.addHandler(_errors)  # web.errors logs the exception behind a 500 page
    client = app.test_client()
    signed_in = client.post("/login", data={"username": "bench", "password": "bench password 1"})
    if signed_in.status_code != 302:
        sys.exit(f"could not sign in to the scratch app: {signed_in.status_code}")
    try:
        for round_ in range(2):
            clock[0] = now + timedelta(minutes=5 * round_)
            poller.run()
            for name, device_id in ids.items():
                for path in (
                    f"/devices/{device_id}",
                    f"/devices/{device_id}?lang=en",
                    f"/api/v1/devices/{device_id}",
                    f"/devices/{device_id}/traffic?if=1&range=24h",
                ):
                    status = fetch(client, path)
                    if status != 200:
                        failures.append(f"round {round_ + 1} {name} {path} → {status}")
            for path in ("/inventory", "/inventory/export.csv", "/inventory/export.xlsx", "/"):
                status = fetch(client, path)
                if status != 200:
                    failures.append(f"round {round_ + 1} {path} → {status}")
    finally:
        poller.close()
        engine.dispose()
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", default=str(REPO.parent / "shared" / "real-devices"))
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--no-pages", action="store_true", help="skip the page check")
    args = parser.parse_args()
    walks = Path(args.walks)
    names = sorted(p.stem for p in (walks / "snmprec").glob("*.snmprec"))
    if not names:
        sys.exit(f"no walks under {walks / 'snmprec'}")
    expected = {
        n: expected_of(json.loads((walks / "expected" / f"{n}.json").read_text())) for n in names
    }
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="ictmon-bench-real-"))
    sim = start_snmpsim(walks, work, port)
    try:
        print(f"serving {len(names)} walks from {walks} on {ADDRESS}:{port}…", flush=True)
        wait_ready(names, port)
        with SnmpCollector(timeout=5, retries=1, max_concurrency=3) as collector:
            started = time.monotonic()
            inventory = {
                r.key: r
                for r in collector.inventory(
                    SnmpTarget(n, ADDRESS, SnmpCredentials("2c", n), port=port) for n in names
                )
            }
            inventory_s = time.monotonic() - started
            failed = [n for n, r in inventory.items() if not r.ok]
            polled = {
                r.key: r for r in collector.poll(poll_target(inventory[n], port) for n in names)
            }
        for n in failed:
            print(f"!! inventory of {n} failed: {inventory[n].error}")
        tally = compare(names, inventory, polled, expected, args.verbose)
        print(f"\ninventory of {len(names)} devices: {inventory_s:.1f} s (snmpsim, concurrency 3)")
        print(f"\n{'field':<12} {'right':>7} {'of':>5} {'coverage':>9}")
        for field, (right, total) in tally.counts.items():
            print(f"{field:<12} {right:>7} {total:>5} {100.0 * right / total:>8.1f}%")
        if not args.no_pages:
            failures = pages(names, port, work)
            print(f"\npages not answering 200: {len(failures)}")
            for line in failures:
                print(f"  {line}")
    finally:
        snmp_agents.stop(sim)


if __name__ == "__main__":
    main()
