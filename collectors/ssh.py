"""SSH collector: log in to a device with netmiko, fetch its configuration and `show version` facts.

I/O only. Targets go in, `SshResult`s come out; no database, no state. Every failure becomes a
result with a `state` from `SshState` and a short message for the officer, never an exception.

Device types are data (`DEVICE_TYPES`): the commands that print the configuration and the facts,
the patterns of *volatile* lines (timestamps, counters) that are left out when deciding whether a
configuration changed, the patterns of a refused command, and the patterns that pick model, serial,
firmware and uptime out of the facts output. Adding a type is adding one entry.

Bounds: each device gets one session with a hard deadline (`timeout`): the session runs in its own
thread, and when the deadline passes its socket is shut down and the result is `timeout` whatever
netmiko was waiting for. Devices run concurrently in a pool of `workers` threads, so a hung
switch costs one worker for `timeout` seconds and nothing else.

Host keys: the key the device presents is checked *before* any credential is sent. First contact
records it (the caller stores `host_key`); a different key later sets `host_key_changed`, and in
strict mode the session stops there with state `host_key_changed`.

Secrets: netmiko's session log is never enabled, netmiko's own logger (which echoes every byte read
and written, the enable secret included) is held at WARNING, and passwords are excluded from the
targets' repr.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import re
import shlex
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum

import paramiko

log = logging.getLogger(__name__)

# netmiko logs every read and write at DEBUG (configurations, the enable secret typed at the
# "Password:" prompt). Its own filter masks the secrets it knows, but not what a configuration
# holds (SNMP communities, keys): keep it quiet whatever the root level is.
logging.getLogger("netmiko").setLevel(logging.WARNING)
# paramiko's transport thread logs every failed handshake (a silent device, a cut session) at
# ERROR with its traceback, one record per line. The collector reports the same failure as a
# state with a reason, so in the service log those tracebacks are only noise.
logging.getLogger("paramiko.transport").setLevel(logging.CRITICAL)

MAX_OUTPUT_BYTES = 8 * 1024 * 1024
# netmiko's own waits (greeting, login, each prompt) get this share of the session's deadline, so
# its more precise diagnosis (no greeting, prompt not recognised) comes before the hard cut. A
# failed prompt costs netmiko two such waits (the wait, then its clean-up): 2 × 0.3 < 1.
STEP_SHARE = 0.3


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


_KEY_TYPES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)


def load_private_key(text: str) -> paramiko.PKey:
    """The key in `text`, whatever its type; paramiko.SSHException when none reads it (an
    unsupported type, or a passphrase, which a key sent to a collector must not have)."""
    for kind in _KEY_TYPES:
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise paramiko.SSHException("the private key cannot be read (unsupported type or passphrase)")


def back_up(
    targets: list[SshTarget], *, timeout: float, workers: int, strict_host_keys: bool = False
) -> list[SshResult]:
    """Back up every target concurrently (at most `workers` at once); results in target order."""
    if not targets:
        return []
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(targets))), thread_name_prefix="ssh-backup"
    ) as pool:
        futures = [
            pool.submit(back_up_one, t, timeout=timeout, strict_host_keys=strict_host_keys)
            for t in targets
        ]
        return [f.result() for f in futures]


def back_up_one(target: SshTarget, *, timeout: float, strict_host_keys: bool = False) -> SshResult:
    """One device, within a hard deadline of `timeout` seconds."""
    started = time.monotonic()
    problem = configuration_problem(target)
    device_type = DEVICE_TYPES.get(target.device_type or "")
    if problem or device_type is None:  # no problem means a known device type
        return SshResult(target.key, SshState.NOT_CONFIGURED, problem or "no SSH device type set")
    if target.private_key:
        try:
            load_private_key(target.private_key)  # a useless key is a set-up problem, said so
        except paramiko.SSHException as exc:
            return SshResult(target.key, SshState.NOT_CONFIGURED, str(exc))
    session = _Session(target, device_type, timeout, strict_host_keys)
    worker = threading.Thread(target=session.run, daemon=True, name=f"ssh-session-{target.key}")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        # netmiko is stuck waiting on a silent device: cut the connection under it. The thread
        # ends on its own once its read fails; nobody waits for it.
        session.cut()
        result = session.result_for(
            SshState.TIMEOUT, f"no complete answer within {timeout:g} s; session cut"
        )
    else:
        # run() always sets a result, unless something no `except Exception` catches ended it.
        result = session.result or session.result_for(SshState.ERROR, "the session ended early")
    return _with_seconds(result, time.monotonic() - started)


def _with_seconds(result: SshResult, seconds: float) -> SshResult:
    return replace(result, seconds=round(seconds, 3))


class HostKeyRefused(paramiko.SSHException):
    pass


class _HostKeyCheck(paramiko.MissingHostKeyPolicy):
    """Called by paramiko with the server's key before authentication (no key is preloaded, so
    every key is 'missing'): record it, compare it, refuse a changed key in strict mode."""

    def __init__(self, known: str | None, strict: bool):
        self.known = known
        self.strict = strict
        self.seen: str | None = None
        self.changed = False
        self.refused = False

    def missing_host_key(self, client, hostname, key):
        self.seen = f"{key.get_name()} {key.get_base64()}"
        self.changed = self.known is not None and self.seen != self.known
        if self.changed and self.strict:
            self.refused = True
            raise HostKeyRefused("host key changed")


class _Session:
    """One login, run in its own thread so the caller can give up on it at the deadline."""

    def __init__(self, target: SshTarget, device_type: DeviceType, timeout: float, strict: bool):
        self.target = target
        self.device_type = device_type
        self.timeout = timeout
        self.check = _HostKeyCheck(target.known_host_key, strict)
        self.sock: socket.socket | None = None
        self.result: SshResult | None = None
        self._cut = threading.Event()

    def cut(self) -> None:
        self._cut.set()
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed by the peer
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def result_for(self, state: SshState, message: str, **values) -> SshResult:
        seen = self.check.seen
        return SshResult(
            self.target.key,
            state,
            message,
            host_key=seen,
            host_key_fingerprint=fingerprint(seen) if seen else None,
            host_key_changed=self.check.changed,
            **values,
        )

    def run(self) -> None:
        try:
            self.result = self._run()
        except Exception as exc:
            # A device's garbage must become a state, never a crash of the run.
            if self._cut.is_set():
                self.result = self.result_for(SshState.TIMEOUT, "session cut at the deadline")
            else:
                log.warning(
                    "SSH backup of device %s failed unexpectedly: %s",
                    self.target.key,
                    type(exc).__name__,
                )
                self.result = self.result_for(SshState.ERROR, _short(exc))

    def _run(self) -> SshResult:
        from netmiko import ConnectHandler
        from netmiko.exceptions import (
            NetmikoAuthenticationException,
            NetmikoTimeoutException,
            ReadException,
            ReadTimeout,
        )

        target, timeout = self.target, self.timeout
        step = timeout * STEP_SHARE
        try:
            self.sock = socket.create_connection((target.host, target.port), timeout=step)
        except ConnectionRefusedError:
            return self.result_for(
                SshState.UNREACHABLE, f"connection refused on port {target.port}"
            )
        except TimeoutError:
            return self.result_for(SshState.TIMEOUT, f"no answer on port {target.port}")
        except OSError as exc:
            return self.result_for(SshState.UNREACHABLE, exc.strerror or _short(exc))
        if self._cut.is_set():
            self.cut()
            return self.result_for(SshState.TIMEOUT, "session cut at the deadline")

        pkey = load_private_key(target.private_key) if target.private_key else None
        connection = ConnectHandler(
            device_type=self.device_type.name,
            host=target.host,
            port=target.port,
            username=target.username,
            password=target.password or "",
            secret=target.secret or "",
            key_file=target.key_file,
            pkey=pkey,
            use_keys=bool(target.key_file),  # a pkey is used without it (no file to look for)
            allow_agent=False,
            sock=self.sock,
            conn_timeout=step,
            auth_timeout=step,
            banner_timeout=step,
            read_timeout_override=step,
            session_log=None,
            auto_connect=False,
        )
        # netmiko builds paramiko's client with its own host-key policy; ours must see the key
        # before the password is sent, so it replaces netmiko's before the connection opens.
        connection.key_policy = self.check
        try:
            connection._open()
        except NetmikoAuthenticationException:
            return self.result_for(
                SshState.AUTH_FAILED, "authentication failed (username, password or key rejected)"
            )
        except NetmikoTimeoutException as exc:
            if self.check.refused and self.check.seen is not None:  # refused: a key was seen
                return self.result_for(
                    SshState.HOST_KEY_CHANGED,
                    f"host key changed (now {fingerprint(self.check.seen)}); "
                    "not logged in (strict host keys)",
                )
            if "banner" in str(exc).lower():
                return self.result_for(SshState.TIMEOUT, f"no SSH greeting within {step:g} s")
            return self.result_for(
                SshState.TIMEOUT, f"the SSH server did not complete the login within {step:g} s"
            )
        except (ReadTimeout, ValueError):
            return self.result_for(
                SshState.PROMPT_NOT_RECOGNISED,
                "logged in, but no prompt recognised as "
                f"{self.device_type.label} within {step:g} s",
            )
        try:
            return self._collect(connection)
        except ReadTimeout as exc:
            return self.result_for(SshState.TIMEOUT, _first_line(str(exc)))
        except ReadException:
            return self.result_for(SshState.ERROR, "the device closed the session")
        finally:
            # The result is already known: a failed goodbye changes nothing.
            with contextlib.suppress(Exception):
                connection.disconnect()

    def _collect(self, connection) -> SshResult:
        from netmiko.exceptions import ReadTimeout

        device_type, target = self.device_type, self.target
        if device_type.uses_enable and not connection.check_enable_mode():
            if not target.secret:
                return self.result_for(
                    SshState.COMMAND_REJECTED,
                    "logged in without privileged mode and no enable secret set",
                )
            try:
                connection.enable()
            except (ValueError, ReadTimeout):
                return self.result_for(
                    SshState.AUTH_FAILED, "logged in, but the enable secret was rejected"
                )
        path = shlex.quote(target.config_path or "")
        parts = []
        for command in device_type.config_commands:
            output = connection.send_command(
                command.format(config_path=path), read_timeout=self.timeout
            )
            refused = rejection(device_type, output)
            if refused:
                return self.result_for(
                    SshState.COMMAND_REJECTED, f"`{command.split()[0]}…` refused: {refused}"
                )
            parts.append(output)
        config = clean_output("\n".join(parts))
        if len(config.encode("utf-8")) > MAX_OUTPUT_BYTES:
            return self.result_for(
                SshState.ERROR,
                f"configuration larger than {MAX_OUTPUT_BYTES // (1024 * 1024)} MB; not stored",
            )
        facts_output = []
        for command in device_type.fact_commands:
            output = connection.send_command(command, read_timeout=self.timeout)
            if rejection(device_type, output) is None:
                facts_output.append(clean_output(output))
        facts = parse_facts(device_type, "\n".join(facts_output))
        return self.result_for(SshState.OK, "", config=config, facts=facts)


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_first_line(str(exc))}"[:300]
