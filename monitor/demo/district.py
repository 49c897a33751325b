"""A simulated district on loopback, so a newcomer sees real polling at once.

The office and five schools, 45 devices at 127.20.x.y: every address in 127.0.0.0/8 answers ping
on Linux, so the sweep, the state machine and the pages run against real ICMP without touching
any other network. The layout is realistic: office core router → firewall → core switch →
each school's router → its switches → access points.

On first preparation the database also gets 60 days of history (monitor.demo.seed), and the
config sends mail to the demo's own mail catcher (monitor.demo.mailbox) on 127.0.0.1.
"""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from monitor.db import engine as dbmod
from monitor.demo.seed import SeededHistory, seed_history
from monitor.demo.snmp import configure
from monitor.devices.importer import import_file
from monitor.localtime import utcnow
from monitor.runtime.bootstrap import initialise
from monitor.secrets import Vault
from monitor.settings import load_settings

OFFICE = ("OFFICE", "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา เขต 1 (สำนักงาน)")
SCHOOLS = (
    ("S001", "โรงเรียนบ้านหนองบัววิทยา"),
    ("S002", "โรงเรียนวัดป่าประดู่"),
    ("S003", "โรงเรียนเมืองใหม่พิทยาคม"),
    ("S004", "โรงเรียนบางกะปิศึกษา"),
    ("S005", "โรงเรียนดอนเมืองวิทยาคาร"),
)
COLUMNS = ("site", "site_name", "name", "address", "kind", "parent", "model", "location")

# The school whose router the demo silences a few minutes after start (monitor.demo.outage).
LIVE_OUTAGE_ADDRESS = "127.20.3.1"
MAIL_DIR = "mail"

CONFIG_TEMPLATE = """\
# Settings of the demo district (see config/ictmon.example.toml for every key).
[office]
name = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา เขต 1"

[database]
url = "sqlite:///ictmon.db"

[paths]
data_dir = "."

[web]
host = "127.0.0.1"
port = {port}

[ping]
# Faster than production (60 s) so the demo shows changes within a minute.
interval = 10
timeout = 1.0
count = 3
confirmations = 3

[snmp]
# The simulated agents answer instantly; poll often so traffic charts fill in quickly.
interval = 30
timeout = 1.0

[smtp]
# The demo's own mail catcher on this machine: nothing leaves it. Read the mail at /demo/mail.
host = "127.0.0.1"
port = {mail_port}
from_address = "ictmon@demo.invalid"
timeout = 5.0
send_interval = 5.0

[alerts]
recipients = "oncall@demo.invalid"

[reports]
recipients = "director@demo.invalid"
prepared_by = "นายสมชาย ใจดี"

[demo]
mail_dir = "{mail_dir}"
"""


@dataclass(frozen=True)
class PreparedDemo:
    config_path: Path
    sites: int
    devices: int
    username: str
    password: str
    mail_dir: Path
    history: SeededHistory | None = None  # None: the database had history already


def district_rows() -> list[dict[str, str]]:
    """The demo district as import rows (the same format an officer imports)."""
    code, name = OFFICE
    rows = [
        _row(
            code, name, "core-router", "127.20.0.1", "router", "", "Cisco ISR 4331", "ห้องเซิร์ฟเวอร์"
        ),
        _row(
            code,
            name,
            "firewall",
            "127.20.0.2",
            "firewall",
            "core-router",
            "FortiGate 100F",
            "ห้องเซิร์ฟเวอร์",
        ),
        _row(
            code,
            name,
            "core-switch",
            "127.20.0.3",
            "switch",
            "firewall",
            "Cisco C9300-48P",
            "ห้องเซิร์ฟเวอร์",
        ),
        _row(
            code,
            name,
            "file-server",
            "127.20.0.10",
            "server",
            "core-switch",
            "Dell PowerEdge R450",
            "ห้องเซิร์ฟเวอร์",
        ),
        _row(
            code,
            name,
            "ups-main",
            "127.20.0.20",
            "ups",
            "core-switch",
            "APC Smart-UPS 3000",
            "ห้องเซิร์ฟเวอร์",
        ),
    ]
    for number, (school, school_name) in enumerate(SCHOOLS, start=1):
        net = f"127.20.{number}"
        rows += [
            _row(
                school,
                school_name,
                "router",
                f"{net}.1",
                "router",
                "OFFICE/core-switch",
                "MikroTik RB4011",
                "ห้องคอมพิวเตอร์ 1",
            ),
            _row(
                school,
                school_name,
                "sw-core",
                f"{net}.2",
                "switch",
                "router",
                "HPE 1920S-24G",
                "ห้องคอมพิวเตอร์ 1",
            ),
            _row(
                school,
                school_name,
                "sw-building-2",
                f"{net}.3",
                "switch",
                "sw-core",
                "TP-Link TL-SG3428",
                "อาคาร 2",
            ),
            _row(
                school,
                school_name,
                "ap-library",
                f"{net}.11",
                "ap",
                "sw-core",
                "Ubiquiti U6-Lite",
                "ห้องสมุด",
            ),
            _row(
                school,
                school_name,
                "ap-office",
                f"{net}.12",
                "ap",
                "sw-core",
                "Ubiquiti U6-Lite",
                "ห้องธุรการ",
            ),
            _row(
                school,
                school_name,
                "ap-building-2",
                f"{net}.13",
                "ap",
                "sw-building-2",
                "Ubiquiti U6-Pro",
                "อาคาร 2",
            ),
            _row(
                school,
                school_name,
                "ups",
                f"{net}.20",
                "ups",
                "sw-core",
                "APC Back-UPS 1500",
                "ห้องคอมพิวเตอร์ 1",
            ),
            _row(
                school,
                school_name,
                "nas",
                f"{net}.30",
                "server",
                "sw-core",
                "Synology DS220+",
                "ห้องคอมพิวเตอร์ 1",
            ),
        ]
    return rows


def _row(site, site_name, name, address, kind, parent, model, location) -> dict[str, str]:
    return dict(zip(COLUMNS, (site, site_name, name, address, kind, parent, model, location)))


def write_district_csv(path: Path) -> int:
    rows = district_rows()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def prepare_demo(directory: Path, *, port: int = 8080, mail_port: int = 8025) -> PreparedDemo:
    """Create (or reuse) the demo's config, database, admin, district and history. Safe to run
    again: the history is written once, into a database that has none."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "ictmon.toml"
    config_path.write_text(
        CONFIG_TEMPLATE.format(port=port, mail_port=mail_port, mail_dir=MAIL_DIR), encoding="utf-8"
    )
    password_file = directory / "admin-password.txt"
    if password_file.exists():
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        password = "demo-" + secrets.token_urlsafe(6)
        password_file.write_text(password + "\n", encoding="utf-8")
        password_file.chmod(0o600)

    settings = load_settings(config_path, environ={})
    initialise(settings, "admin", password)
    csv_path = directory / "district.csv"
    devices = write_district_csv(csv_path)
    engine = dbmod.make_engine(settings.database.url)
    try:
        import_file(dbmod.session_factory(engine), csv_path, Vault.from_settings(settings))

        configure(dbmod.session_factory(engine), Vault.from_settings(settings), directory)
        history = seed_history(dbmod.session_factory(engine), settings, utcnow())
    finally:
        engine.dispose()
    return PreparedDemo(
        config_path,
        1 + len(SCHOOLS),
        devices,
        "admin",
        password,
        Path(settings.demo.mail_dir),
        history,
    )
