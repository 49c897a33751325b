"""A small SSH server on loopback that talks like a Cisco IOS switch, for the SSH collector's tests
and the backup benchmark.

It is a real SSH server (paramiko's server side): real key exchange, a real host key, password
authentication, an interactive shell with echo and a `SW1#` prompt, `enable` with a secret,
`terminal length 0`, `terminal width 511`, `show running-config` (with the volatile
"! Last configuration change at …" and "ntp clock-period" lines that differ on every call) and
`show version`. Behaviours the tests need are switches on the object: `hang` (accept, then never
answer), `garbage_prompt` (a login banner and no recognisable prompt), `reject_show_run`
(the command is refused as IOS refuses unknown input), `extra_output` (bytes appended to the
running configuration: escape sequences, long lines, invalid UTF-8).

Only ever binds to loopback addresses.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field

import paramiko

PROMPT_NAME = "SW1"

BASE_CONFIG = [
    "version 15.2",
    "service timestamps debug datetime msec",
    "hostname SW1",
    "!",
    "enable secret 5 $1$abcd$0123456789abcdefghij",
    "!",
    "interface GigabitEthernet0/1",
    " description uplink to office",
    " switchport mode trunk",
    "!",
    "interface GigabitEthernet0/2",
    " switchport access vlan 10",
    "!",
    "ip default-gateway 127.0.0.1",
    "snmp-server location Library",
    "!",
    "line vty 0 4",
    " login local",
    "!",
    "end",
]

SHOW_VERSION = """\
Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
ROM: Bootstrap program is C2960X boot loader
SW1 uptime is 3 weeks, 2 days, 4 hours, 11 minutes
System returned to ROM by power-on
System image file is "flash:c2960x-universalk9-mz.152-7.E8.bin"
cisco WS-C2960X-24TS-L (APM86XXX) processor (revision B0) with 524288K bytes of memory.
Processor board ID FOC1234X0YZ
Model number                    : WS-C2960X-24TS-L
System serial number            : FOC1234X0YZ
Configuration register is 0xF
"""


@dataclass
class FakeSwitch:
    """One simulated switch. Change `config` (a list of lines) between backups to simulate an
    officer's change; flip the behaviour switches to simulate failures."""

    host: str = "127.0.0.1"
    port: int = 0
    username: str = "backup"
    password: str = "s3cret-Pa55"
    enable_secret: str | None = None
    config: list[str] = field(default_factory=lambda: list(BASE_CONFIG))
    hang: bool = False
    garbage_prompt: bool = False
    reject_show_run: bool = False
    extra_output: bytes = b""
    host_key: paramiko.PKey | None = None
    calls: int = 0
    # Every (username, password) a client offered: what a host set up to harvest them would keep.
    offered: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        if not ipaddress.ip_address(self.host).is_loopback:
            raise ValueError("the fake switch only listens on loopback")
        self.host_key = self.host_key or paramiko.ECDSAKey.generate()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> FakeSwitch:
        self._stopping.clear()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(
            target=self._accept_loop, daemon=True, name=f"fake-switch-{self.port}"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self._listener:
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.close()
            self._connections.clear()

    def restart_with_new_host_key(self) -> None:
        """The same address and port, a different identity: what a replaced (or spoofed) switch
        looks like."""
        self.stop()
        self.host_key = paramiko.ECDSAKey.generate()
        self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    # -- serving ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        if self.hang:
            # Accept the TCP connection and say nothing at all, ever (until stopped).
            self._stopping.wait(120)
            conn.close()
            return
        transport = paramiko.Transport(conn)
        transport.add_server_key(self.host_key)
        server = _Auth(self)
        try:
            transport.start_server(server=server)
            channel = transport.accept(20)
            if channel is None or not server.shell_requested.wait(10):
                return
            self.calls += 1
            _Shell(self, channel).run()
            # As a device does after `exit`: let the client hang up first (closing under it
            # would reset the connection while it still sends).
            deadline = time.monotonic() + 5
            while (
                transport.is_active()
                and time.monotonic() < deadline
                and not self._stopping.is_set()
            ):
                time.sleep(0.02)
        except (paramiko.SSHException, EOFError, OSError):
            pass
        finally:
            transport.close()


class _Auth(paramiko.ServerInterface):
    def __init__(self, switch: FakeSwitch):
        self.switch = switch
        self.shell_requested = threading.Event()

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        self.switch.offered.append((username, password))
        if username == self.switch.username and password == self.switch.password:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return (
            paramiko.OPEN_SUCCEEDED
            if kind == "session"
            else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )

    def check_channel_pty_request(self, *args):
        return True

    def check_channel_shell_request(self, channel):
        self.shell_requested.set()
        return True


class _Shell:
    """The CLI: echo what is typed, answer a line at a time, show the prompt."""

    def __init__(self, switch: FakeSwitch, channel: paramiko.Channel):
        self.switch = switch
        self.channel = channel
        self.privileged = switch.enable_secret is None
        self.awaiting_secret = False

    @property
    def prompt(self) -> str:
        if self.switch.garbage_prompt:
            return "*** unauthorised access prohibited ***"
        return PROMPT_NAME + ("#" if self.privileged else ">")

    def send(self, text: str | bytes) -> None:
        self.channel.sendall(text.encode("utf-8") if isinstance(text, str) else text)

    def run(self) -> None:
        self.channel.settimeout(60)
        self.send("\r\n" + self.prompt)
        buffer = b""
        while True:
            data = self.channel.recv(4096)
            if not data:
                return
            buffer += data
            while True:
                cut = min(
                    (i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0), default=-1
                )
                if cut < 0:
                    break
                line, buffer = buffer[:cut], buffer[cut + 1 :]
                if buffer.startswith(b"\n"):
                    buffer = buffer[1:]
                if not self.answer(line.decode("utf-8", "replace").strip()):
                    return

    def answer(self, line: str) -> bool:
        if self.awaiting_secret:
            self.awaiting_secret = False
            if line == self.switch.enable_secret:
                self.privileged = True
                self.send("\r\n" + self.prompt)
            else:
                self.send("\r\n% Access denied\r\n\r\n" + self.prompt)
            return True
        self.send(line)  # echo, as a terminal does
        if line in ("exit", "logout"):
            self.channel.close()
            return False
        if line == "enable" and not self.privileged:
            self.awaiting_secret = True
            self.send("\r\nPassword: ")
            return True
        self.send("\r\n" + self.output_for(line) + self.prompt)
        return True

    def output_for(self, line: str) -> str:
        switch = self.switch
        if line == "" or line in ("terminal length 0", "terminal width 511", "enable"):
            return ""
        if self.switch.garbage_prompt:
            return "?\r\n"
        if line == "show version":
            return SHOW_VERSION.replace("\n", "\r\n")
        if line == "show running-config" and self.privileged and not switch.reject_show_run:
            n = switch.calls
            lines = [
                "Building configuration...",
                "",
                f"Current configuration : {1000 + n} bytes",
                "!",
                f"! Last configuration change at 0{n % 10}:12:{n % 60:02d} ICT Tue Nov 24 2026"
                " by admin",
                f"! NVRAM config last updated at 0{n % 10}:13:{n % 60:02d} ICT Tue Nov 24 2026",
                *switch.config,
                f"ntp clock-period 3602{n % 100:02d}",
            ]
            text = "\r\n".join(lines) + "\r\n"
            if switch.extra_output:
                # Raw bytes, as a real device could send them; decoded by the collector.
                self.send("\r\n" + text)
                self.send(switch.extra_output + b"\r\n")
                return ""
            return text
        return "                   ^\r\n% Invalid input detected at '^' marker.\r\n\r\n"
