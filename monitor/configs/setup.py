"""PURE: which devices can have their configuration backed up over SSH, and with which types.

The device page offers SSH set-up to operators: an existing SSH profile and one of the device
types ictmon knows (`collectors.ssh.DEVICE_TYPES`, the netmiko types with their commands). A UPS,
a printer or a notebook has no configuration to back up, so the page explains that instead of
offering a form (or, as it once did, a command line with `--type cisco_ios` for an APC UPS).
"""

from __future__ import annotations

from collectors.ssh import DEVICE_TYPES
from monitor.domain import DeviceKind

# Kinds whose configuration lives in a text a CLI can print. "other" stays in: the officer knows.
SSH_KINDS = frozenset(
    {
        DeviceKind.ROUTER,
        DeviceKind.SWITCH,
        DeviceKind.FIREWALL,
        DeviceKind.AP,
        DeviceKind.SERVER,
        DeviceKind.OTHER,
    }
)

# Product names, the same in every language; a type added to the collector shows its own name.
TYPE_LABELS = {
    "cisco_ios": "Cisco IOS / IOS-XE",
    "mikrotik_routeros": "MikroTik RouterOS",
    "hp_procurve": "HPE ProCurve / Aruba-OS switch",
    "linux": "Linux",
}

# The type a kind most often is, preselected in the form; the officer can choose another.
_SUGGESTED: dict[str, str] = {DeviceKind.SERVER.value: "linux"}


def has_ssh_config(kind: str | None) -> bool:
    """Whether a device of this kind has a configuration ictmon can back up over SSH."""
    return kind in SSH_KINDS


def device_types() -> tuple[str, ...]:
    """The device types a form may offer: exactly those the SSH collector supports."""
    return tuple(DEVICE_TYPES)


def type_choices() -> list[tuple[str, str]]:
    """[(type, "Product name (type)")] for a select: the officer reads the product, the
    command line and the API use the type."""
    return [(name, f"{TYPE_LABELS.get(name, name)} ({name})") for name in DEVICE_TYPES]


def suggested_type(kind: str | None, current: str | None = None) -> str | None:
    """The type to preselect: the device's own when it has one, else the kind's usual one."""
    if current in DEVICE_TYPES:
        return current
    return _SUGGESTED.get(kind or "")


def path_types() -> tuple[str, ...]:
    """The types that read one file (`cat` of it), so the form asks which file."""
    return tuple(name for name, t in DEVICE_TYPES.items() if t.needs_config_path)


# What `cat -- <path>` is given: one absolute path, no control characters (no second line).
MAX_PATH = 500


def config_path_problem(path: str) -> str | None:
    """Why `path` cannot be the configuration file to read, as a catalogue key, or None."""
    if not path:
        return "cfg.setup.path.missing"
    if not path.startswith("/"):
        return "cfg.setup.path.relative"
    if len(path) > MAX_PATH or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "cfg.setup.path.unusable"
    return None
