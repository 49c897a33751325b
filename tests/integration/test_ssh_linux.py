"""The `linux` device type against Debian's OpenSSH sshd, started by the test on a loopback port.

sshd runs as root (it must, to log users in) with its own config, host key and an authorized key
generated here; the test user is root itself, authenticating with that key (key authentication is
what a Linux server's backup account would use). The "configuration" is a file the test writes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from collectors.ssh import SshTarget
from collectors.ssh_backup import back_up_one
from tests.support.requirements import require, require_root

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path):
    require_root()
    require(
        os.path.exists(SSHD) and shutil.which("ssh-keygen") is not None,
        "needs OpenSSH's sshd and ssh-keygen (Debian openssh-server; scripts/test installs it)",
    )
    home = tmp_path / "sshd"
    home.mkdir(mode=0o700)
    for name in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / name)],
            check=True,
            timeout=30,
        )
    (home / "authorized_keys").write_text((home / "client_key.pub").read_text())
    port = free_port()
    (home / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1:{port}\nHostKey {home / 'host_key'}\n"
        f"AuthorizedKeysFile {home / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        f"StrictModes no\nPidFile {home / 'sshd.pid'}\nPrintMotd no\nPrintLastLog no\n"
        "Banner none\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(home / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"sshd did not start: {process.stderr.read().decode()[:500]}")
            time.sleep(0.1)
    try:
        yield port, home / "client_key", tmp_path
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_linux_server_configuration_file_is_read_with_cat(sshd):
    port, key, directory = sshd
    config = directory / "interfaces"
    config.write_text("auto eth0\niface eth0 inet static\n  address 127.0.0.1\n")
    target = SshTarget(
        1, "127.0.0.1", port, "linux", "root", key_file=str(key), config_path=str(config)
    )

    first = back_up_one(target, timeout=15)

    assert first.state == "ok", first.message
    assert first.config.splitlines() == [
        "auto eth0",
        "iface eth0 inet static",
        "  address 127.0.0.1",
    ]
    assert first.facts["firmware"].startswith("Linux ")
    assert first.host_key.startswith("ssh-ed25519 ")


def test_a_missing_file_is_command_rejected_and_the_path_is_never_run_as_shell(sshd):
    port, key, _ = sshd
    # A short directory of its own: the refusal line is kept to 200 characters and names the path
    # twice, so a long tmp_path (pytest-xdist adds popen-gwN/) would cut the error text off.
    with tempfile.TemporaryDirectory(prefix="ictmon-ssh-") as short:
        _missing_file_is_rejected(port, key, Path(short))


def _missing_file_is_rejected(port, key, directory: Path) -> None:
    injected = directory / "injected"
    target = SshTarget(
        1,
        "127.0.0.1",
        port,
        "linux",
        "root",
        key_file=str(key),
        config_path=f"{directory}/no such file; touch {injected}",
    )

    result = back_up_one(target, timeout=15)

    assert result.state == "command_rejected"
    assert "No such file or directory" in result.message
    assert not injected.exists()


def test_linux_without_a_config_path_is_not_configured(sshd):
    port, key, _ = sshd
    result = back_up_one(
        SshTarget(1, "127.0.0.1", port, "linux", "root", key_file=str(key)), timeout=15
    )
    assert result.state == "not_configured" and "path" in result.message


def test_a_key_given_as_text_logs_in_from_memory(sshd):
    """What an edge collector does with the key the central sent: no key file on its disk."""
    port, key, directory = sshd
    config = directory / "hosts"
    config.write_text("127.0.0.1 localhost\n")
    target = SshTarget(
        1,
        "127.0.0.1",
        port,
        "linux",
        "root",
        private_key=key.read_text(),
        config_path=str(config),
    )
    assert "PRIVATE" not in repr(target)

    result = back_up_one(target, timeout=15)

    assert result.state == "ok", result.message
    assert result.config == "127.0.0.1 localhost\n"
    garbled = back_up_one(replace(target, private_key="not a key"), timeout=15)
    assert garbled.state == "not_configured" and "cannot be read" in garbled.message
