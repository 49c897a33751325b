"""SSH backups: log in to a device with netmiko, fetch its configuration and `show version` facts.

I/O only. Targets go in (collectors.ssh.SshTarget), `SshResult`s come out; no database, no
state. Every failure becomes a result with a `state` from `SshState` and a short message for the
officer, never an exception.

Bounds: each device gets one session with a hard deadline (`timeout`): the session runs in its own
thread, and when the deadline passes its socket is shut down and the result is `timeout` whatever
netmiko was waiting for. Devices run concurrently in a pool of `workers` threads, so a hung
switch costs one worker for `timeout` seconds and nothing else.

Host keys: the key the device presents is checked *before* any credential is sent. First contact
records it (the caller stores `host_key`); a different key later sets `host_key_changed`, and in
strict mode the session stops there with state `host_key_changed`.

Secrets: netmiko's session log is never enabled, and netmiko's own logger (which echoes every byte
read and written, the enable secret included) is held at WARNING.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shlex
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import paramiko

from collectors.ssh import (
    DEVICE_TYPES,
    DeviceType,
    SshResult,
    SshState,
    SshTarget,
    clean_output,
    configuration_problem,
    fingerprint,
    parse_facts,
    rejection,
)

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
