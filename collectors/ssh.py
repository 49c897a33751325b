"""SSH devices: the device types ictmon backs up, what a backup is asked and what it found.

Data and pure functions only; the sessions that log in are collectors.ssh_backup (paramiko and
netmiko, 12 MB resident, which an edge collector with no SSH device never loads).

Device types are data (`DEVICE_TYPES`): the commands that print the configuration and the facts,
the patterns of *volatile* lines (timestamps, counters) that are left out when deciding whether a
configuration changed, the patterns of a refused command, and the patterns that pick model, serial,
firmware and uptime out of the facts output. Adding a type is adding one entry.

Secrets: passwords, enable secrets and keys are excluded from the targets' repr.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum


class SshState(StrEnum):
    OK = "ok"
    NOT_CONFIGURED = "not_configured"
    UNREACHABLE = "unreachable"  # connection refused / no route
    TIMEOUT = "timeout"
    AUTH_FAILED = "auth_failed"
    HOST_KEY_CHANGED = "host_key_changed"  # strict mode: refused before logging in
    PROMPT_NOT_RECOGNISED = "prompt_not_recognised"
    COMMAND_REJECTED = "command_rejected"
    ERROR = "error"  # SSH protocol failure, oversized output, …


@dataclass(frozen=True)
class DeviceType:
    """How to back up one kind of device (see the module docstring)."""

    name: str  # what ssh_device_type holds; also netmiko's device_type
    label: str
    config_commands: tuple[str, ...]  # may use {config_path} (shell-quoted)
    fact_commands: tuple[str, ...] = ()
    volatile: tuple[str, ...] = ()  # regexes; matching lines are ignored when comparing
    rejected: tuple[str, ...] = ()  # regexes; a match in a command's output = command refused
    facts: dict[str, str] = field(default_factory=dict)  # fact → regex with one group
    needs_config_path: bool = False
    uses_enable: bool = False  # enter privileged mode (with the enable secret) first

    def volatile_patterns(self) -> list[re.Pattern]:
        return [re.compile(p) for p in self.volatile]


DEVICE_TYPES: dict[str, DeviceType] = {
    t.name: t
    for t in (
        DeviceType(
            name="cisco_ios",
            label="Cisco IOS / IOS-XE",
            config_commands=("show running-config",),
            fact_commands=("show version",),
            volatile=(
                r"^! Last configuration change at ",
                r"^! NVRAM config last updated at ",
                r"^! No configuration change since last restart",
                r"^ntp clock-period ",
                r"^Building configuration",
                r"^Current configuration ?: \d+ bytes",
            ),
            rejected=(
                r"^% ?Invalid input detected",
                r"^% ?Incomplete command",
                r"^% ?Ambiguous command",
                r"^% ?Unknown command",
                r"^% ?Authorization failed",
            ),
            facts={
                "model": r"^Model [Nn]umber\s*:\s*(\S+)|^[Cc]isco (\S+) \(.*\) processor",
                "serial": r"^System [Ss]erial [Nn]umber\s*:\s*(\S+)|^Processor board ID (\S+)",
                "firmware": r"^Cisco IOS.*?Version ([^,\s]+)",
                "uptime": r"^\S+ uptime is (.+)$",
            },
            uses_enable=True,
        ),
        DeviceType(
            name="mikrotik_routeros",
            label="MikroTik RouterOS",
            config_commands=("/export",),
            fact_commands=("/system resource print", "/system routerboard print"),
            # "# 2026-11-24 10:00:00 by RouterOS 7.16" (v7) or "# nov/24/2026 10:00:00 by RouterOS …"
            volatile=(r"^# \S+ \d\d:\d\d:\d\d by RouterOS",),
            rejected=(
                r"^bad command name",
                r"^syntax error",
                r"^expected end of command",
                r"^failure:",
            ),
            facts={
                "model": r"^\s*board-name:\s*(.+)$",
                "serial": r"^\s*serial-number:\s*(\S+)",
                "firmware": r"^\s*version:\s*(.+)$",
                "uptime": r"^\s*uptime:\s*(\S+)",
            },
        ),
        DeviceType(
            name="hp_procurve",
            label="HP/Aruba ProCurve",
            config_commands=("show running-config",),
            fact_commands=("show system",),
            volatile=(r"^Running configuration:",),
            rejected=(r"^Invalid input:", r"^Ambiguous input:"),
            facts={
                "serial": r"Serial Number\s*:\s*(\S+)",
                "firmware": r"Software revision\s*:\s*(\S+)",
                "uptime": r"Up Time\s*:\s*(.+?)(?:\s{2,}|$)",
                "model": r"^\s*Product Name\s*:\s*(.+)$|^\s*System Name\s*:\s*(\S+)",
            },
        ),
        DeviceType(
            name="linux",
            label="Linux (cat of a configuration file)",
            config_commands=("cat -- {config_path}",),
            fact_commands=("uname -sr", "uptime -p"),
            rejected=(r"^cat: ", r": command not found$"),
            facts={"firmware": r"^(Linux \S+)", "uptime": r"^up (.+)$"},
            needs_config_path=True,
        ),
    )
}


@dataclass(frozen=True)
class SshTarget:
    key: int  # the caller's id (the device id)
    host: str
    port: int
    device_type: str | None
    username: str | None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)  # enable secret
    key_file: str | None = None
    # A private key's text (OpenSSH or PEM), used in memory: an edge collector gets the key from
    # the central's configuration and never writes it to the school's disk.
    private_key: str | None = field(default=None, repr=False)
    config_path: str | None = None
    known_host_key: str | None = None  # "<type> <base64>", as recorded on first contact


@dataclass(frozen=True)
class SshResult:
    key: int
    state: SshState
    message: str = ""  # for the officer; never holds a credential
    config: str | None = None  # cleaned text (see clean_output)
    facts: dict[str, str] = field(default_factory=dict)
    host_key: str | None = None  # what the device presented this time
    host_key_fingerprint: str | None = None
    host_key_changed: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state is SshState.OK


def fingerprint(host_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of "<type> <base64>"."""
    blob = base64.b64decode(host_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_output(text: str) -> str:
    """Device output as plain text: terminal escape sequences and control characters removed,
    line ends as \\n, no trailing blanks. (Invalid UTF-8 was already replaced when decoded.)"""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _ESCAPES.sub("", text))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def parse_facts(device_type: DeviceType, output: str) -> dict[str, str]:
    facts = {}
    for name, pattern in device_type.facts.items():
        match = re.search(pattern, output, re.MULTILINE)
        if match:
            value = next((g for g in match.groups() if g), "").strip()
            if value:
                facts[name] = value[:200]
    return facts


def rejection(device_type: DeviceType, output: str) -> str | None:
    """The device's complaint if it refused the command, else None."""
    for line in output.splitlines():
        for pattern in device_type.rejected:
            if re.search(pattern, line.strip()):
                return line.strip()[:200]
    return None


def configuration_problem(target: SshTarget) -> str | None:
    if not target.device_type:
        return "no SSH device type set"
    device_type = DEVICE_TYPES.get(target.device_type)
    if device_type is None:
        return (
            f"unsupported SSH device type {target.device_type!r} "
            f"(supported: {', '.join(DEVICE_TYPES)})"
        )
    if not target.username:
        return "no SSH username set"
    if not target.password and not target.key_file and not target.private_key:
        return "no SSH password or key file set"
    if device_type.needs_config_path and not target.config_path:
        return f"{device_type.name} needs the path of the configuration file to read"
    return None
