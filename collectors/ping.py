"""ICMP echo collector: one sweep over thousands of devices, on one socket per address family.

ping3 builds and parses the packets; this module replaces ping3's one-socket-per-ping loop. Every raw
ICMP socket receives a copy of every ICMP packet the host gets, so N concurrent ping3.ping() calls cost
N^2 packet copies and overflow their receive buffers. Here a sweep owns one socket per family, keeps a
bounded window of requests in flight, and matches replies by (address, sequence) in a single loop.

Privileges (Linux): as root, or with CAP_NET_RAW, a SOCK_RAW socket is used. Otherwise an ICMP "ping
socket" (SOCK_DGRAM), which the kernel allows for groups in net.ipv4.ping_group_range; there the kernel
owns the ICMP id (it is the socket's local "port") and delivers only our own replies, without IP header.

Layers, so the logic can be tested without a network:
  parse_icmp()  bytes -> Icmp           (pure)
  Sweep         scheduling + matching    (pure: time is an argument)
  summarize()   samples -> PingResult    (pure)
  probe()       the socket loop around them
"""

from __future__ import annotations

import collections
import errno
import ipaddress
import itertools
import math
import os
import select
import socket
import struct
import time
import zlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import ping3
from ping3.enums import IcmpV4Type, IcmpV6Type

__all__ = [
    "IcmpNotPermitted",
    "PingResult",
    "PingTarget",
    "icmp_permission_problem",
    "probe",
]


K = TypeVar("K", bound=Hashable)  # what the caller names its targets by (ictmon: device ids)


@dataclass(frozen=True)
class PingTarget(Generic[K]):
    key: K
    address: str


@dataclass(frozen=True)
class PingResult(Generic[K]):
    key: K
    address: str
    sent: int
    received: int
    rtt_min_ms: float | None
    rtt_avg_ms: float | None
    rtt_max_ms: float | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.received > 0

    @property
    def loss_pct(self) -> float:
        if self.sent == 0:
            return 100.0
        return 100.0 * (self.sent - self.received) / self.sent


class IcmpNotPermitted(RuntimeError):
    """Neither a raw nor a datagram ICMP socket may be opened by this process."""


# Linux constants the socket module does not export.
_SOL_RAW = 255
_ICMP_FILTER = 1
_ICMP6_FILTER = 1
_IP_RECVERR = 11
_IPV6_RECVERR = 25
_SO_RCVBUFFORCE = 33
_SO_TIMESTAMPNS = 35
_SO_EE_ORIGIN_ICMP = 2
_SO_EE_ORIGIN_ICMP6 = 3

_PAYLOAD_SIZE = 56  # as ping(8); ping3 puts its send time (ICMP_TIME_FORMAT) first
_TIME_SIZE = struct.calcsize(ping3.ICMP_TIME_FORMAT)
_ICMP_HEADER_SIZE = struct.calcsize(ping3.ICMP_HEADER_FORMAT)
_IPV6_HEADER_SIZE = 40
_SEND_BATCH = 64  # sends between two drains of the receive queue
_DRAIN_LIMIT = 4096  # packets read per drain, so a flood cannot starve sending and expiry
# Kernel memory charged per queued reply (skb truesize; ~830 bytes measured for a raw IPv4 reply on
# loopback). Used to size the in-flight window to what the receive buffer can hold.
_SKB_TRUESIZE = 1024
_MAX_WINDOW = 32768  # keeps (address, seq) unique among requests in flight; seq is 16 bits

_ident_counter = itertools.count()


# ---------------------------------------------------------------------------------------------
# Addresses


def parse_address(text: str) -> tuple[int, str]:
    """(family, canonical address) for an IP literal; ValueError with the reason otherwise.

    Names are refused rather than resolved: a sweep must not wait on DNS, and callers resolve once.
    """
    try:
        ip = ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise ValueError(f"bad address: {text!r} is not an IP address") from None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        raise ValueError(f"bad address: {text!r} is not a unicast address")
    if ip.version == 4:
        return socket.AF_INET, str(ip)
    return socket.AF_INET6, str(ip)


# ---------------------------------------------------------------------------------------------
# Packet parsing (pure)


@dataclass(frozen=True)
class Icmp:
    """An ICMP packet that concerns one of our echo requests.

    For an echo reply `peer` is the replying address; for an error it is the original destination
    (taken from the quoted request), because that is what identifies the probed device.
    """

    peer: str
    ident: int
    seq: int
    sent_wall: float | None = None  # ping3's send timestamp from the echoed payload
    error: str | None = None  # set for destination-unreachable / time-exceeded


_V4_UNREACHABLE = {
    0: "network unreachable",
    1: "host unreachable",
    9: "administratively prohibited",
    10: "administratively prohibited",
    13: "administratively prohibited",
}
_V6_UNREACHABLE = {
    0: "network unreachable",
    1: "administratively prohibited",
    3: "host unreachable",
}


def icmp_error_text(family: int, icmp_type: int, code: int) -> str | None:
    """Our error string for an ICMP error type/code, or None if it is not an error we report."""
    if family == socket.AF_INET:
        if icmp_type == IcmpV4Type.DESTINATION_UNREACHABLE:
            return _V4_UNREACHABLE.get(code, f"destination unreachable (code {code})")
        if icmp_type == IcmpV4Type.TIME_EXCEEDED:
            return "time exceeded"
    else:
        if icmp_type == IcmpV6Type.DESTINATION_UNREACHABLE:
            return _V6_UNREACHABLE.get(code, f"destination unreachable (code {code})")
        if icmp_type == IcmpV6Type.TIME_EXCEEDED:
            return "time exceeded"
    return None


def parse_icmp(data: bytes, family: int, has_ip_header: bool, source: str) -> Icmp | None:
    """Decode one received datagram; None for anything that is not a reply or error for an echo.

    `source` is the sender address from recvfrom, used when the datagram carries no IP header
    (ping sockets, and raw ICMPv6 sockets on Linux).
    """
    try:
        if has_ip_header:  # raw IPv4 only
            ip = ping3.read_ipv4_header(data[:20])
            source = ip["src_addr"]
            data = data[(data[0] & 0x0F) * 4 :]  # IHL, so IP options cannot shift the ICMP header
        header = ping3.read_icmp_header(data[:_ICMP_HEADER_SIZE])
    except (struct.error, IndexError):
        return None
    types = IcmpV4Type if family == socket.AF_INET else IcmpV6Type
    if header["type"] == types.ECHO_REPLY:
        body = data[_ICMP_HEADER_SIZE : _ICMP_HEADER_SIZE + _TIME_SIZE]
        sent_wall = (
            struct.unpack(ping3.ICMP_TIME_FORMAT, body)[0] if len(body) == _TIME_SIZE else None
        )
        return Icmp(source, header["id"], header["seq"], sent_wall=sent_wall)
    error = icmp_error_text(family, header["type"], header["code"])
    if error is None:  # includes our own echo requests, seen on loopback by a raw socket
        return None
    return _parse_quoted_request(data[_ICMP_HEADER_SIZE:], family, error)


def _parse_quoted_request(quoted: bytes, family: int, error: str) -> Icmp | None:
    """An ICMP error quotes the offending IP header plus >= 8 bytes of it: our echo header."""
    try:
        if family == socket.AF_INET:
            inner_ip = ping3.read_ipv4_header(quoted[:20])
            if inner_ip["protocol"] != socket.IPPROTO_ICMP:
                return None
            offset = (quoted[0] & 0x0F) * 4
        else:
            inner_ip = ping3.read_ipv6_header(quoted[:_IPV6_HEADER_SIZE])
            if inner_ip["next_header"] != socket.IPPROTO_ICMPV6:
                return None
            offset = _IPV6_HEADER_SIZE
        inner = ping3.read_icmp_header(quoted[offset : offset + _ICMP_HEADER_SIZE])
    except (struct.error, IndexError, ValueError):
        return None
    request = IcmpV4Type.ECHO_REQUEST if family == socket.AF_INET else IcmpV6Type.ECHO_REQUEST
    if inner["type"] != request:
        return None
    return Icmp(inner_ip["dest_addr"], inner["id"], inner["seq"], error=error)


# ---------------------------------------------------------------------------------------------
# Sweep state (pure)


@dataclass
class _Tally:
    sent: int = 0
    rtts: list[float] = field(default_factory=list)
    error: str | None = None


def summarize(
    key: K, address: str, sent: int, rtts_s: list[float], error: str | None
) -> PingResult[K]:
    """Aggregate one target's rounds. An answering device is ok even if some rounds failed."""
    if rtts_s:
        ms = [r * 1000.0 for r in rtts_s]
        return PingResult(key, address, sent, len(ms), min(ms), sum(ms) / len(ms), max(ms))
    return PingResult(key, address, sent, 0, None, None, None, error=error or "timeout")


class Sweep:
    """Which request to send next, which reply belongs to which target, and when each times out.

    Time is passed in (monotonic seconds), so this is deterministic and unit-testable. Requests are
    keyed by (family, address, seq): seq is unique among the requests in flight (window <= 32768), and
    the address must match too, so stray or late packets from other sweeps cannot be miscounted.
    """

    def __init__(
        self,
        addresses: list[tuple[int, str] | None],
        *,
        count: int,
        timeout: float,
        interval: float,
        window: int,
        rate: float | None = None,
    ):
        self.addresses = addresses
        self.count = count
        self.timeout = timeout
        self.interval = interval
        self.window = max(1, min(window, _MAX_WINDOW))
        # At most `rate` sends a second (None: as fast as the window allows).
        self.spacing = 1.0 / rate if rate else 0.0
        self._next_send = -math.inf
        self.tallies = [_Tally() for _ in addresses]
        self._fresh = collections.deque(i for i, a in enumerate(addresses) if a is not None)
        # (due, target): every send schedules its follow-up exactly `interval` later and sends happen
        # in time order, so this queue is already sorted and a deque serves as the priority queue.
        self._later: collections.deque[tuple[float, int]] = collections.deque()
        self._in_flight: dict[tuple[int, str, int], tuple[int, float, int]] = {}
        self._deadlines: collections.deque[tuple[float, tuple[int, str, int], int]] = (
            collections.deque()
        )
        self._seq = itertools.count()
        self._serial = itertools.count()  # tells a reused seq's new request from an old deadline

    @property
    def done(self) -> bool:
        return not (self._fresh or self._later or self._in_flight)

    def claim(self, now: float) -> tuple[int, int] | None:
        """(target, seq) of the next request to send now, or None if none is due or the window is full."""
        if len(self._in_flight) >= self.window or now < self._next_send:
            return None
        if self._later and self._later[0][0] <= now:
            target = self._later.popleft()[1]
        elif self._fresh:
            target = self._fresh.popleft()
        else:
            return None
        family, address = self.address_of(target)
        if self.spacing:
            self._next_send = now + self.spacing
        while True:
            seq = next(self._seq) & 0xFFFF
            if (family, address, seq) not in self._in_flight:
                return target, seq

    def unclaim(self, target: int, now: float) -> None:
        """The socket could not take the request right now; send it first next time."""
        if self.tallies[target].sent == 0:
            self._fresh.appendleft(target)
        else:
            self._later.appendleft((now, target))

    def address_of(self, target: int) -> tuple[int, str]:
        address = self.addresses[target]
        # Only targets with an address are ever queued, so only those are claimed or sent.
        assert address is not None
        return address

    def sent(self, target: int, seq: int, now: float) -> None:
        family, address = self.address_of(target)
        key = (family, address, seq)
        serial = next(self._serial)
        self._in_flight[key] = (target, now, serial)
        self._deadlines.append((now + self.timeout, key, serial))
        self._count_round(target, now)

    def send_failed(self, target: int, error: str, now: float) -> None:
        self.tallies[target].error = error
        self._count_round(target, now)

    def _count_round(self, target: int, now: float) -> None:
        tally = self.tallies[target]
        tally.sent += 1
        if tally.sent < self.count:
            self._later.append((now + self.interval, target))

    def reply(
        self, family: int, address: str, seq: int, now: float, rtt: float | None = None
    ) -> bool:
        """Record an echo reply; False if it matches nothing in flight (stray, late or duplicate).

        `rtt` (seconds) may come from packet timestamps; otherwise it is measured from our send time.
        """
        key = (family, address, seq)
        entry = self._in_flight.get(key)
        if entry is None:
            return False
        target, sent_at, _ = entry
        if rtt is None or not 0.0 <= rtt <= now - sent_at + 0.001:
            rtt = now - sent_at  # also guards against wall-clock steps between the two timestamps
        if rtt > self.timeout:
            return False  # arrived after its deadline; expire() will count it lost
        del self._in_flight[key]
        self.tallies[target].rtts.append(rtt)
        return True

    def failed(self, family: int, address: str, seq: int, error: str) -> bool:
        """Record an ICMP error (e.g. host unreachable) for a request in flight."""
        entry = self._in_flight.pop((family, address, seq), None)
        if entry is None:
            return False
        self.tallies[entry[0]].error = error
        return True

    def expire(self, now: float) -> None:
        while self._deadlines and self._deadlines[0][0] <= now:
            deadline = self._deadlines.popleft()
            if self._is_live(deadline):
                del self._in_flight[deadline[1]]

    def _is_live(self, deadline: tuple[float, tuple[int, str, int], int]) -> bool:
        entry = self._in_flight.get(deadline[1])
        return entry is not None and entry[2] == deadline[2]

    def abandon(self) -> None:
        """Give up on everything not yet answered (the sweep's hard deadline passed)."""
        self._fresh.clear()
        self._later.clear()
        self._in_flight.clear()
        self._deadlines.clear()

    def next_event(self) -> float | None:
        """Monotonic time by which the loop must wake even if no packet arrives; None when done."""
        if self.done:
            return None
        # Drop deadlines of requests already answered, so we never sleep toward a stale one.
        while self._deadlines and not self._is_live(self._deadlines[0]):
            self._deadlines.popleft()
        times = []
        if self._deadlines:
            times.append(self._deadlines[0][0])
        if len(self._in_flight) < self.window:
            if self._fresh:
                if self._next_send <= -math.inf:
                    return -math.inf
                times.append(self._next_send)
            elif self._later:
                times.append(max(self._later[0][0], self._next_send))
        return min(times) if times else None

    def results(self, targets: list[PingTarget[K]], errors: dict[int, str]) -> list[PingResult[K]]:
        out = []
        for i, target in enumerate(targets):
            if i in errors:
                out.append(
                    PingResult(target.key, target.address, 0, 0, None, None, None, error=errors[i])
                )
            else:
                tally = self.tallies[i]
                out.append(
                    summarize(target.key, target.address, tally.sent, tally.rtts, tally.error)
                )
        return out


# ---------------------------------------------------------------------------------------------
# Sockets


def _not_permitted_message() -> str:
    try:
        with open("/proc/sys/net/ipv4/ping_group_range") as f:
            current = " ".join(f.read().split())
        range_note = f", net.ipv4.ping_group_range is '{current}'"
    except OSError:
        range_note = ""
    return (
        f"ICMP sockets are not permitted for uid {os.geteuid()} (gid {os.getegid()}{range_note}): "
        "run as root, or allow ping sockets with: "
        "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'"
    )


def _open(family: int) -> tuple[socket.socket, bool]:
    """(socket, is_raw). Raises IcmpNotPermitted if neither kind is allowed."""
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    try:
        return socket.socket(family, socket.SOCK_RAW, proto), True
    except PermissionError:
        pass
    try:
        return socket.socket(family, socket.SOCK_DGRAM, proto), False
    except PermissionError:
        raise IcmpNotPermitted(_not_permitted_message()) from None


def icmp_permission_problem() -> str | None:
    """None if this process can send ICMP echo requests; otherwise one line saying how to fix it."""
    try:
        sock, _ = _open(socket.AF_INET)
    except IcmpNotPermitted as err:
        return str(err)
    sock.close()
    return None


class _IcmpSocket:
    """One family's socket, configured for a sweep."""

    def __init__(self, family: int, max_in_flight: int):
        self.family = family
        self.sock, self.raw = _open(family)
        try:
            self._configure(max_in_flight)
        except BaseException:
            self.sock.close()
            raise

    def _configure(self, max_in_flight: int) -> None:
        sock = self.sock
        sock.setblocking(False)
        wanted = min(max(max_in_flight * _SKB_TRUESIZE * 2, 1 << 20), 32 << 20)
        try:  # FORCE passes net.core.rmem_max, but only with CAP_NET_ADMIN
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, wanted)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, wanted)
        self.capacity = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // _SKB_TRUESIZE
        try:  # kernel receive time, so rtt does not include the time we spent sending the batch
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            self.timestamps = True
        except OSError:
            self.timestamps = False
        v4 = self.family == socket.AF_INET
        if self.raw:
            # A raw socket sees every ICMP packet of the host, including our own requests on loopback;
            # let the kernel drop all but replies and errors before they take receive-buffer space.
            keep = (
                (
                    IcmpV4Type.ECHO_REPLY,
                    IcmpV4Type.DESTINATION_UNREACHABLE,
                    IcmpV4Type.TIME_EXCEEDED,
                )
                if v4
                else (
                    IcmpV6Type.ECHO_REPLY,
                    IcmpV6Type.DESTINATION_UNREACHABLE,
                    IcmpV6Type.TIME_EXCEEDED,
                )
            )
            try:
                if v4:
                    mask = 0xFFFFFFFF & ~sum(1 << t for t in keep)
                    sock.setsockopt(_SOL_RAW, _ICMP_FILTER, struct.pack("=I", mask))
                else:
                    words = [0xFFFFFFFF] * 8
                    for t in keep:
                        words[t >> 5] &= ~(1 << (t & 31))
                    sock.setsockopt(
                        socket.IPPROTO_ICMPV6, _ICMP6_FILTER, struct.pack("=8I", *words)
                    )
            except OSError:
                pass  # parse_icmp filters in user space as well
            self.ident = (
                zlib.crc32(str(os.getpid()).encode()) + next(_ident_counter)
            ) & 0xFFFF or 1
        else:
            # Ping sockets drop ICMP errors for unconnected sockets unless RECVERR queues them.
            try:
                if v4:
                    sock.setsockopt(socket.SOL_IP, _IP_RECVERR, 1)
                else:
                    sock.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVERR, 1)
                self.recverr = True
            except OSError:
                self.recverr = False
            sock.bind(("0.0.0.0", 0) if v4 else ("::", 0))
            self.ident = sock.getsockname()[1]  # the kernel writes this id into every request
        self.has_ip_header = self.raw and v4
        self._ancbuf = socket.CMSG_SPACE(16) if self.timestamps else 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def send(self, address: str, seq: int) -> None:
        # ping3.send_one_ping costs ~35 us a call (its debug decorator formats the socket every time):
        # ~0.2 s CPU per 5,000 devices. That is within budget, so ping3 keeps owning the packet format.
        try:
            ping3.send_one_ping(self.sock, address, self.ident, seq, _PAYLOAD_SIZE)
        except (BlockingIOError, InterruptedError):
            raise
        except OSError:
            # An ICMP error for an *earlier* request may be parked on the socket (sk_err) and reported
            # by this send, whatever its destination. Reporting clears it, so a single retry tells that
            # stale error (already in the receive/error queue) from a real one for this address.
            ping3.send_one_ping(self.sock, address, self.ident, seq, _PAYLOAD_SIZE)

    def drain(self, sweep: Sweep, limit: int = _DRAIN_LIMIT) -> int:
        """Read queued replies into the sweep without blocking; returns how many packets were read."""
        n = 0
        while n < limit:
            try:
                data, ancdata, _, addr = self.sock.recvmsg(2048, self._ancbuf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                # A parked ICMP error (sk_err) is reported once by recv and cleared; the error queue or
                # the raw packet carries the detail, so just read on.
                n += 1
                continue
            n += 1
            now = time.monotonic()
            packet = parse_icmp(data, self.family, self.has_ip_header, addr[0])
            if packet is None or packet.ident != self.ident:
                continue
            # IPv4 text from the kernel or ping3 is already canonical; IPv6 text may not be.
            peer = packet.peer if self.family == socket.AF_INET else _canonical(packet.peer)
            if packet.error is not None:
                sweep.failed(self.family, peer, packet.seq, packet.error)
                continue
            rtt = None
            if packet.sent_wall is not None:
                rtt = _rx_wall(ancdata) - packet.sent_wall
            sweep.reply(self.family, peer, packet.seq, now, rtt)
        if not self.raw and self.recverr:
            n += self._drain_errors(sweep, limit)
        return n

    def _drain_errors(self, sweep: Sweep, limit: int) -> int:
        n = 0
        while n < limit:
            try:
                data, ancdata, _, addr = self.sock.recvmsg(2048, 512, socket.MSG_ERRQUEUE)
            except (BlockingIOError, InterruptedError, OSError):
                break
            n += 1
            error = _recverr_text(self.family, ancdata)
            if error is None or len(data) < _ICMP_HEADER_SIZE or not addr:
                continue
            header = ping3.read_icmp_header(data[:_ICMP_HEADER_SIZE])  # the request we sent
            sweep.failed(self.family, _canonical(addr[0]), header["seq"], error)
        return n


def _canonical(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def _rx_wall(ancdata) -> float:
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("=qq", data[:16])
            return sec + nsec / 1e9
    return time.time()


def _recverr_text(family: int, ancdata) -> str | None:
    """Error text from an IP_RECVERR / IPV6_RECVERR control message (struct sock_extended_err)."""
    for level, kind, data in ancdata:
        if (level, kind) in ((socket.SOL_IP, _IP_RECVERR), (socket.IPPROTO_IPV6, _IPV6_RECVERR)):
            if len(data) < 8:
                continue
            _, origin, icmp_type, code = struct.unpack("=IBBB", data[:7])
            if origin in (_SO_EE_ORIGIN_ICMP, _SO_EE_ORIGIN_ICMP6):
                return icmp_error_text(family, icmp_type, code)
    return None


def _send_error_text(err: OSError) -> str:
    known: dict[int | None, str] = {
        errno.ENETUNREACH: "network unreachable",
        errno.EHOSTUNREACH: "host unreachable",
        errno.EPERM: "send blocked by local firewall",
        errno.EACCES: "send not permitted",
    }
    return known.get(err.errno, f"send failed: {err.strerror or err}")


# ---------------------------------------------------------------------------------------------
# The sweep


def probe(
    targets: Iterable[PingTarget[K]],
    *,
    timeout: float = 1.0,
    count: int = 1,
    interval: float = 0.2,
    max_in_flight: int = 1024,
    rate: float | None = None,
    stop_at: float | None = None,
) -> list[PingResult[K]]:
    """Ping every target `count` times; one result per target, in target order.

    `rate`: at most that many requests sent a second (discovery's sweep; None: no limit).
    `stop_at`: a time.monotonic() by which the sweep gives up on whatever is unanswered or
    unsent; a target never sent to comes back with `sent == 0`.

    Each request times out `timeout` seconds after its own send; rounds of one target are `interval`
    apart. At most `max_in_flight` requests are outstanding, so when more than that many devices are
    silent, later ones wait for a slot: worst case about ceil(len(targets) * count / max_in_flight)
    * timeout. Bad addresses and per-device failures become results with `error`; the only exception
    is IcmpNotPermitted (and ValueError for nonsensical arguments).
    """
    if count < 1 or timeout <= 0 or interval < 0 or max_in_flight < 1 or (rate or 1) <= 0:
        raise ValueError(
            "need count >= 1, timeout > 0, interval >= 0, max_in_flight >= 1, rate > 0"
        )
    targets = list(targets)
    addresses: list[tuple[int, str] | None] = []
    errors: dict[int, str] = {}
    for i, target in enumerate(targets):
        try:
            addresses.append(parse_address(target.address))
        except ValueError as err:
            addresses.append(None)
            errors[i] = str(err)

    sockets: dict[int, _IcmpSocket] = {}
    try:
        for family in sorted({a[0] for a in addresses if a is not None}):
            try:
                sockets[family] = _IcmpSocket(family, max_in_flight)
            except IcmpNotPermitted:
                raise
            except OSError as err:  # e.g. IPv6 disabled on this host
                name = "IPv4" if family == socket.AF_INET else "IPv6"
                for i, a in enumerate(addresses):
                    if a is not None and a[0] == family:
                        addresses[i] = None
                        errors[i] = f"{name} not available: {err.strerror or err}"
        window = min([max_in_flight] + [s.capacity for s in sockets.values()])
        sweep = Sweep(
            addresses, count=count, timeout=timeout, interval=interval, window=window, rate=rate
        )
        if sockets:
            _run(sweep, sockets, stop_at)
    finally:
        for s in sockets.values():
            s.close()
    return sweep.results(targets, errors)


def _run(sweep: Sweep, sockets: dict[int, _IcmpSocket], stop_at: float | None = None) -> None:
    poller = select.poll()
    for s in sockets.values():
        poller.register(s.fileno(), select.POLLIN | select.POLLERR)
    total_sends = sum(a is not None for a in sweep.addresses) * sweep.count
    waves = math.ceil(total_sends / sweep.window)
    # Cannot be reached by the schedule itself (each wave of the window ends within `timeout`); it only
    # keeps a misbehaving socket or clock from turning a sweep into an endless loop.
    hard_stop = (
        time.monotonic()
        + waves * sweep.timeout
        + sweep.count * sweep.interval
        + sweep.timeout
        + total_sends * max(0.001, sweep.spacing)
        + 5.0
    )
    if stop_at is not None:
        hard_stop = min(hard_stop, stop_at)

    while not sweep.done:
        now = time.monotonic()
        if now > hard_stop:
            sweep.abandon()
            break
        sent, blocked = _send_batch(sweep, sockets, now)
        for s in sockets.values():
            s.drain(sweep)
        sweep.expire(time.monotonic())
        if sent == _SEND_BATCH and not blocked:
            continue
        wake = sweep.next_event()
        if wake is None:
            break
        delay = wake - time.monotonic()
        if blocked:  # the send buffer is full: give the kernel a moment, then retry
            delay = min(max(delay, 0.001), 0.005)
        if delay > 0:
            delay = min(delay, 1.0, max(0.0, hard_stop - time.monotonic()) + 0.001)
            poller.poll(math.ceil(delay * 1000))


def _send_batch(sweep: Sweep, sockets: dict[int, _IcmpSocket], now: float) -> tuple[int, bool]:
    sent = 0
    while sent < _SEND_BATCH:
        claim = sweep.claim(now)
        if claim is None:
            return sent, False
        target, seq = claim
        family, address = sweep.address_of(target)
        try:
            sockets[family].send(address, seq)
        except (BlockingIOError, InterruptedError):
            sweep.unclaim(target, now)
            return sent, True
        except OSError as err:
            sweep.send_failed(target, _send_error_text(err), time.monotonic())
        except ping3.errors.PingError as err:
            sweep.send_failed(target, f"send failed: {err}", time.monotonic())
        else:
            sweep.sent(target, seq, time.monotonic())
        sent += 1
    return sent, False
