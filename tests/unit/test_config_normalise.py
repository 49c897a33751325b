"""The pure parts of configuration backups: volatile lines per device type, the diff, cleaning of
device output, facts and refusals picked out of command output."""

from __future__ import annotations

import pytest

from collectors.ssh import (
    DEVICE_TYPES,
    SshTarget,
    clean_output,
    configuration_problem,
    fingerprint,
    parse_facts,
    rejection,
)
from monitor.configs.versions import diff, digest, normalise, unified_diff

IOS_A = """Building configuration...

Current configuration : 1234 bytes
!
! Last configuration change at 10:12:01 ICT Tue Nov 24 2026 by admin
! NVRAM config last updated at 10:13:01 ICT Tue Nov 24 2026
hostname SW1
interface Gi0/1
 description uplink
ntp clock-period 36028797
end
"""


@pytest.mark.parametrize(
    "device_type, old, new",
    [
        (
            "cisco_ios",
            IOS_A,
            IOS_A.replace("10:12:01", "23:59:59")
            .replace("1234 bytes", "1240 bytes")
            .replace("36028797", "36028801")
            .replace("10:13:01", "11:00:00"),
        ),
        (
            "cisco_ios",
            IOS_A,
            IOS_A.replace(
                "! Last configuration change at 10:12:01 ICT Tue Nov 24 2026 by admin",
                "! No configuration change since last restart",
            ),
        ),
        (
            "mikrotik_routeros",
            "# 2026-11-24 10:00:00 by RouterOS 7.16\n# software id = AB12\n/system identity\nset name=R1\n",
            "# 2026-11-25 03:00:07 by RouterOS 7.16\n# software id = AB12\n/system identity\nset name=R1\n",
        ),
        (
            "mikrotik_routeros",
            "# nov/24/2026 10:00:00 by RouterOS 6.49\n/ip address\n",
            "# dec/01/2026 09:09:09 by RouterOS 6.49\n/ip address\n",
        ),
        (
            "hp_procurve",
            '; J9280A Configuration Editor\nhostname "HP"\n',
            'Running configuration:\n; J9280A Configuration Editor\nhostname "HP"\n',
        ),
    ],
)
def test_volatile_lines_do_not_make_a_change(device_type, old, new):
    assert old != new
    assert digest(normalise(old, device_type)) == digest(normalise(new, device_type))
    assert diff(old, new, device_type=device_type).identical


@pytest.mark.parametrize(
    "device_type, old, new",
    [
        ("cisco_ios", IOS_A, IOS_A.replace(" description uplink", " description uplink to office")),
        ("cisco_ios", IOS_A, IOS_A.replace("hostname SW1\n", "hostname SW1\nvlan 10\n")),
        (
            "mikrotik_routeros",
            "# 2026-11-24 10:00:00 by RouterOS 7.16\nset name=R1\n",
            "# 2026-11-24 10:00:00 by RouterOS 7.16\nset name=R2\n",
        ),
        ("linux", "# Last change 10:00\nauto eth0\n", "# Last change 11:00\nauto eth0\n"),
    ],
)
def test_real_changes_are_changes(device_type, old, new):
    assert digest(normalise(old, device_type)) != digest(normalise(new, device_type))
    assert not diff(old, new, device_type=device_type).identical


def test_the_diff_numbers_lines_of_the_full_texts_and_counts_what_changed():
    new = IOS_A.replace(" description uplink\n", " description uplink to office\n shutdown\n")

    change = diff(IOS_A, new, context=1, device_type="cisco_ios")

    assert (change.added, change.removed) == (2, 1)
    [hunk] = change.hunks
    kinds = [(line.kind, line.old_number, line.new_number, line.text) for line in hunk.lines]
    assert kinds == [
        ("same", 8, 8, "interface Gi0/1"),
        ("removed", 9, None, " description uplink"),
        ("added", None, 9, " description uplink to office"),
        ("added", None, 10, " shutdown"),
        # the volatile ntp line between is skipped; the next real line is context
        ("same", 11, 12, "end"),
    ]
    assert "+ shutdown" in unified_diff(IOS_A, new, "a", "b")


def test_a_diff_of_distant_changes_has_separate_hunks():
    old = "\n".join(f"line {n}" for n in range(1, 40)) + "\n"
    new = old.replace("line 3\n", "line three\n").replace("line 30\n", "line thirty\n")
    assert len(diff(old, new, context=2).hunks) == 2


def test_clean_output_removes_escapes_and_controls_and_keeps_long_lines():
    long_line = "x" * 10_000
    raw = f"\x1b[1;31mred\x1b[0m\r\n\x1b]0;title\x07ok\tTAB\x00\x08\r\n{long_line}   \r\n\r\n"
    assert clean_output(raw) == f"red\nok\tTAB\n{long_line}\n"
    assert clean_output("caf\ufffd") == "caf\ufffd\n"  # replacement characters stay visible


def test_facts_from_each_device_type():
    ios = parse_facts(
        DEVICE_TYPES["cisco_ios"],
        "Cisco IOS Software, C3750 Software (C3750-IPBASEK9-M), Version 12.2(55)SE12, "
        "RELEASE SOFTWARE (fc2)\nsw1 uptime is 1 year, 2 weeks\n"
        "cisco WS-C3750-24TS (PowerPC405) processor (revision H0)\n"
        "Processor board ID FDO1234Z0AB\n",
    )
    assert ios == {
        "model": "WS-C3750-24TS",
        "serial": "FDO1234Z0AB",
        "firmware": "12.2(55)SE12",
        "uptime": "1 year, 2 weeks",
    }
    mikrotik = parse_facts(
        DEVICE_TYPES["mikrotik_routeros"],
        "    uptime: 3w2d4h\n   version: 7.16 (stable)\nboard-name: RB4011iGS+\n"
        "  serial-number: HE308A1B2C3\n",
    )
    assert mikrotik == {
        "model": "RB4011iGS+",
        "serial": "HE308A1B2C3",
        "firmware": "7.16 (stable)",
        "uptime": "3w2d4h",
    }
    linux = parse_facts(DEVICE_TYPES["linux"], "Linux 6.1.0-18-amd64\nup 3 days, 2 hours\n")
    assert linux == {"firmware": "Linux 6.1.0-18-amd64", "uptime": "3 days, 2 hours"}


def test_refusals_are_recognised_per_device_type():
    assert rejection(DEVICE_TYPES["cisco_ios"], "  ^\n% Invalid input detected at '^' marker.\n")
    assert rejection(DEVICE_TYPES["mikrotik_routeros"], "bad command name export (line 1 column 2)")
    assert rejection(DEVICE_TYPES["linux"], "cat: /etc/x: Permission denied")
    assert rejection(DEVICE_TYPES["cisco_ios"], IOS_A) is None


def test_what_a_target_is_missing_is_said_in_words():
    base = SshTarget(1, "127.0.0.1", 22, "cisco_ios", "u", "p")
    assert configuration_problem(base) is None
    assert "device type" in configuration_problem(SshTarget(1, "127.0.0.1", 22, None, "u", "p"))
    assert "unsupported" in configuration_problem(
        SshTarget(1, "127.0.0.1", 22, "juniper", "u", "p")
    )
    assert "username" in configuration_problem(
        SshTarget(1, "127.0.0.1", 22, "cisco_ios", None, "p")
    )
    assert "password" in configuration_problem(SshTarget(1, "127.0.0.1", 22, "cisco_ios", "u"))
    assert "path" in configuration_problem(SshTarget(1, "127.0.0.1", 22, "linux", "u", "p"))


def test_passwords_are_not_in_a_targets_repr():
    target = SshTarget(1, "127.0.0.1", 22, "cisco_ios", "u", "hunter2-pw", "enable-pw")
    assert "hunter2-pw" not in repr(target) and "enable-pw" not in repr(target)


def test_fingerprints_are_openssh_style():
    # The base64 of the bytes b"abc": sha256("abc") is well known.
    assert fingerprint("ssh-ed25519 YWJj") == "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0"
