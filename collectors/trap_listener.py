"""The SNMP trap receiver: pysnmp 7's notification receiver on a private event-loop thread.

Who may send is data handed in by the caller (`set_senders`): per source address, the devices
there and their SNMP credentials. A datagram is looked at before pysnmp sees it:

- its source address is no known device's → dropped, `unknown_source`;
- v1/v2c: its community is not the one of a device at that address → `bad_community`;
- v3: its user is not the one of a device at that address → `bad_user`. Otherwise that device's
  user is set up in pysnmp's USM for the engine ID the message names (a trap's sender is the
  authoritative engine, so its keys are localised to the sender's engine ID: learnt from the
  message itself, then checked by pysnmp — a wrong key still fails the digest, `bad_user`);
- what pysnmp then refuses (digest, decryption, time window) is `bad_user`; a datagram that is
  not SNMP, or not a notification, is `malformed`.

An accepted notification is handed to `on_trap` (on the loop thread: the caller must only queue
it), with the device's key, already in SNMPv2 form (a v1 trap's enterprise/specific become
snmpTrapOID, RFC 3584) and with plain Python values. Nothing here touches a database.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from collectors.snmp import SnmpCredentials

log = logging.getLogger(__name__)

MAX_BINDS = 64  # var-binds kept from one notification


class DropReason(StrEnum):
    UNKNOWN_SOURCE = "unknown_source"
    BAD_COMMUNITY = "bad_community"
    BAD_USER = "bad_user"
    MALFORMED = "malformed"
    # Set by the caller, not here: its queue was full, or its process is a stand-by.
    QUEUE_FULL = "queue_full"
    STANDBY = "standby"


@dataclass(frozen=True)
class TrapSender:
    """A device allowed to send traps from its address, with the credentials they must carry."""

    key: Any
    credentials: SnmpCredentials


@dataclass(frozen=True)
class ReceivedTrap:
    key: Any  # the sender's key
    address: str
    version: str  # "1", "2c" or "3"
    var_binds: tuple[tuple[str, Any], ...]


_USM_FAILURES = (
    "usmStatsUnknownUserNames",
    "usmStatsWrongDigests",
    "usmStatsDecryptionErrors",
    "usmStatsNotInTimeWindows",
    "usmStatsUnknownEngineIDs",
    "usmStatsUnsupportedSecLevels",
)


def normalise_address(address: str) -> str:
    """One spelling per address: IPv4-mapped IPv6 as IPv4, no zone, canonical form."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


class TrapListener:
    """Listens on (address, port) until `close()`. `on_trap(ReceivedTrap)` and
    `on_drop(DropReason)` are called on the listener's thread and must not block."""

    def __init__(
        self,
        address: str,
        port: int,
        *,
        on_trap: Callable[[ReceivedTrap], None],
        on_drop: Callable[[DropReason], None],
    ):
        self.address, self.port = address, port
        self.on_trap, self.on_drop = on_trap, on_drop
        self._senders: dict[str, tuple[TrapSender, ...]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine: Any = None
        self._communities: set[str] = set()
        self._users: dict[tuple[bytes, str], SnmpCredentials] = {}
        self._current: _Datagram | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> tuple[str, int]:
        """Bind and listen; returns the address and port bound (port 0 picks one). Raises
        OSError when the port cannot be bound (in use, or below 1024 without the right)."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="trap-listener", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            return asyncio.run_coroutine_threadsafe(self._open(), loop).result(timeout)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        if self._engine is not None:
            engine, self._engine = self._engine, None
            try:
                asyncio.run_coroutine_threadsafe(_close(engine), loop).result(timeout=10)
            except Exception:  # a half-opened engine: the loop goes anyway
                log.debug("trap listener: closing the engine failed", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    def set_senders(self, senders: Mapping[str, Sequence[TrapSender]]) -> None:
        """Who may send from where (address → devices there); replaces the previous set."""
        table = {normalise_address(a): tuple(s) for a, s in senders.items() if s}
        if self._loop is None:
            self._senders = table
            return
        self._loop.call_soon_threadsafe(self._apply, table)

    # -- on the loop thread ----------------------------------------------------------------

    async def _open(self) -> tuple[str, int]:
        # pysnmp is loaded only where a receiver runs (as collectors.snmp loads it).
        from pysnmp.carrier.asyncio.dgram import udp, udp6
        from pysnmp.entity import config, engine
        from pysnmp.entity.rfc3413 import ntfrcv

        snmp_engine = engine.SnmpEngine()
        self._engine = snmp_engine
        v6 = ":" in self.address
        transport = (udp6.Udp6Transport() if v6 else udp.UdpTransport()).open_server_mode(
            (self.address, self.port)
        )
        config.add_transport(
            snmp_engine, (udp6.DOMAIN_NAME if v6 else udp.DOMAIN_NAME) + (1,), transport
        )
        await transport._lport  # the bind: its error (port in use) is raised here
        bound = transport.transport.get_extra_info("sockname")
        ntfrcv.NotificationReceiver(snmp_engine, self._received)
        dispatcher = snmp_engine.transport_dispatcher
        # Every datagram comes to _datagram first (who sent it, with which credentials); only
        # then to pysnmp's message dispatcher.
        dispatcher.unregister_recv_callback()
        dispatcher.register_recv_callback(self._datagram)
        self._apply(self._senders)
        return bound[0], bound[1]

    def _apply(self, table: dict[str, tuple[TrapSender, ...]]) -> None:
        from pysnmp.entity import config

        self._senders = table
        wanted = {
            s.credentials.community
            for senders in table.values()
            for s in senders
            if s.credentials.version in ("1", "2c") and s.credentials.community
        }
        for community in sorted(wanted - self._communities):
            config.add_v1_system(self._engine, _community_index(community), community)
        for community in sorted(self._communities - wanted):
            config.delete_v1_system(self._engine, _community_index(community))
        self._communities = wanted
        # v3 users are set up per engine ID as traps arrive; forget them so changed keys apply.
        for engine_id, user in list(self._users):
            config.delete_v3_user(self._engine, user, securityEngineId=_octets(engine_id))
        self._users.clear()

    def _datagram(self, dispatcher, domain, address, message) -> None:
        try:
            source = normalise_address(str(address[0]))
            senders = self._senders.get(source)
            if not senders:
                self.on_drop(DropReason.UNKNOWN_SOURCE)
                return
            try:
                version, identity, engine_id = _peek(message)
            except Exception:
                self.on_drop(DropReason.MALFORMED)
                return
            if version == "3":
                sender = next(
                    (
                        s
                        for s in senders
                        if s.credentials.version == "3" and s.credentials.user == identity
                    ),
                    None,
                )
                if sender is None:
                    self.on_drop(DropReason.BAD_USER)
                    return
                self._ensure_user(engine_id, sender.credentials)
            else:
                sender = next(
                    (
                        s
                        for s in senders
                        if s.credentials.version in ("1", "2c")
                        and s.credentials.community == identity
                    ),
                    None,
                )
                if sender is None:
                    self.on_drop(DropReason.BAD_COMMUNITY)
                    return
            self._current = _Datagram(sender, source, version)
            before = self._usm_failures()
            try:
                self._engine.message_dispatcher.receive_message(
                    self._engine, domain, address, message
                )
            except Exception:
                log.debug("trap listener: pysnmp refused a datagram", exc_info=True)
            datagram, self._current = self._current, None
            if not datagram.delivered:
                refused = version == "3" and self._usm_failures() != before
                self.on_drop(DropReason.BAD_USER if refused else DropReason.MALFORMED)
        except Exception:  # never let one datagram stop the listener
            log.exception("trap listener: datagram not handled")
            self.on_drop(DropReason.MALFORMED)

    def _received(self, snmp_engine, state_reference, context_engine_id, context_name, binds, _):
        datagram = self._current
        if datagram is None or datagram.delivered:
            return
        datagram.delivered = True
        var_binds = tuple((str(oid), _plain(value)) for oid, value in list(binds)[:MAX_BINDS])
        self.on_trap(
            ReceivedTrap(datagram.sender.key, datagram.source, datagram.version, var_binds)
        )

    def _ensure_user(self, engine_id: bytes, credentials: SnmpCredentials) -> None:
        from pysnmp.entity import config

        key = (engine_id, credentials.user or "")
        if self._users.get(key) == credentials:
            return
        config.add_v3_user(
            self._engine,
            credentials.user,
            securityEngineId=_octets(engine_id),
            **_usm_keys(credentials),
        )
        self._users[key] = credentials

    def _usm_failures(self) -> tuple[int, ...]:
        builder = self._engine.get_mib_builder()
        counters = builder.import_symbols("__SNMP-USER-BASED-SM-MIB", *_USM_FAILURES)
        return tuple(int(c.syntax) for c in counters)


@dataclass
class _Datagram:
    sender: TrapSender
    source: str
    version: str
    delivered: bool = False


async def _close(snmp_engine) -> None:
    snmp_engine.close_dispatcher()


def _community_index(community: str) -> str:
    """pysnmp's row name for a community: short, and never the community itself."""
    return "c" + hashlib.sha256(community.encode()).hexdigest()[:30]


def _octets(value: bytes):
    from pysnmp.proto import rfc1902

    return rfc1902.OctetString(value)


def _peek(message: bytes) -> tuple[str, str, bytes]:
    """(version, community or v3 user, v3 authoritative engine ID) from a message's header."""
    from pyasn1.codec.ber import decoder
    from pysnmp.proto import api
    from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message
    from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters

    number = int(api.decodeMessageVersion(message))
    if number in api.PROTOCOL_MODULES:
        module = api.PROTOCOL_MODULES[number]
        decoded, _ = decoder.decode(message, asn1Spec=module.Message())
        community = bytes(module.apiMessage.get_community(decoded)).decode("utf-8", "replace")
        return ("1" if number == api.SNMP_VERSION_1 else "2c"), community, b""
    if number != 3:
        raise ValueError(f"SNMP version {number}")
    decoded, _ = decoder.decode(message, asn1Spec=SNMPv3Message())
    parameters, _ = decoder.decode(
        bytes(decoded.getComponentByPosition(2)), asn1Spec=UsmSecurityParameters()
    )
    engine_id = bytes(parameters.getComponentByPosition(0))
    user = bytes(parameters.getComponentByPosition(3)).decode("utf-8", "replace")
    if not engine_id:
        raise ValueError("no authoritative engine ID")  # a discovery probe, not a trap
    return "3", user, engine_id


def _usm_keys(credentials: SnmpCredentials) -> dict[str, Any]:
    from pysnmp.entity import config

    auth = {
        "MD5": config.USM_AUTH_HMAC96_MD5,
        "SHA": config.USM_AUTH_HMAC96_SHA,
        "SHA224": config.USM_AUTH_HMAC128_SHA224,
        "SHA256": config.USM_AUTH_HMAC192_SHA256,
        "SHA384": config.USM_AUTH_HMAC256_SHA384,
        "SHA512": config.USM_AUTH_HMAC384_SHA512,
    }
    priv = {
        "DES": config.USM_PRIV_CBC56_DES,
        "3DES": config.USM_PRIV_CBC168_3DES,
        "AES": config.USM_PRIV_CFB128_AES,
        "AES192": config.USM_PRIV_CFB192_AES,
        "AES256": config.USM_PRIV_CFB256_AES,
    }
    keys: dict[str, Any] = {}
    if credentials.auth_key:
        keys["authProtocol"] = auth.get((credentials.auth_protocol or "SHA").upper())
        keys["authKey"] = credentials.auth_key
        if credentials.priv_key:
            keys["privProtocol"] = priv.get((credentials.priv_protocol or "AES").upper())
            keys["privKey"] = credentials.priv_key
    return {k: v for k, v in keys.items() if v is not None}


def _plain(value: Any) -> Any:
    """A pysnmp value as plain Python: OIDs as dotted text, numbers as int, octets as bytes."""
    from pyasn1.type import univ

    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(str(n) for n in value.asTuple())
    if type(value).__name__ == "IpAddress":
        return ".".join(str(b) for b in bytes(value)[:16])
    if isinstance(value, univ.OctetString):
        return bytes(value)
    if isinstance(value, univ.Integer):
        return int(value)
    return None
