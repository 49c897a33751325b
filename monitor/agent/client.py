"""The collector's HTTPS client to the central: enrol, pull the configuration, push a batch.

urllib.request, nothing else: TLS verified against the system's CA store (SSL_CERT_FILE
honoured), a timeout on every request, the school's proxy from [collector] proxy and no other
(the environment's *_proxy variables are ignored, so a collector goes where its settings say).
Plain http:// is refused unless the central is on this machine's loopback (tests, the demo).

Batches go gzip-compressed (Content-Encoding: gzip): their JSON shrinks ten- to thirtyfold, which
is what a school's metered or thin uplink pays for, a 72-h backlog most of all.

Every failure is a `CentralError` with a one-line message and a `kind` the runner acts on:
unreachable / revoked (401, 403 with a revoked token) / refused (other 403: a result for a
device it does not measure) / clock (409) / too_large (413) / rejected (other 4xx) /
server (5xx) / answer (the central's answer is not what the protocol says).
"""

from __future__ import annotations

import email.utils
import gzip
import ipaddress
import json
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.edge.protocol import (
    CONFIG_PATH,
    ENROL_PATH,
    RESULTS_PATH,
    ConfigDocument,
    Enrolment,
    EnrolRequest,
    ProtocolError,
    parse_config,
    parse_enrolment,
)
from monitor.localtime import utcnow

UNREACHABLE, REVOKED, REFUSED, CLOCK, TOO_LARGE = (
    "unreachable",
    "revoked",
    "refused",
    "clock",
    "too_large",
)
REJECTED, SERVER, ANSWER = "rejected", "server", "answer"
MAX_ANSWER = 64 * 1024 * 1024  # a config of 100,000 devices is ~30 MB; nothing bigger is read
USER_AGENT = "ictmon-collector"
# gzip level 6 (the default): a 2-MB batch in about 13 ms, a fifth smaller than at level 1.
GZIP_LEVEL = 6


def _encoded(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class CentralError(RuntimeError):
    def __init__(self, kind: str, message: str, status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status


def check_central_url(url: str) -> str:
    """The central's base URL, without a trailing slash; ValueError (one line) if it is not
    https://, or http:// to a loopback host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{url!r} is not a central's address: expected https://host[:port]")
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r}: the central's address takes no ?query or #fragment")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ValueError(
            f"{url!r}: a collector talks to its central over https:// only (the token and "
            "device credentials travel on this link); plain http:// is allowed only to this "
            "machine's loopback, for tests"
        )
    return url.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ConfigAnswer:
    document: ConfigDocument | None  # None: 304, unchanged
    etag: str | None
    clock_offset_seconds: float | None


@dataclass(frozen=True)
class PushAnswer:
    applied: int
    duplicate: bool
    clock_offset_seconds: float | None


class CentralClient:
    def __init__(
        self,
        central: str,
        token: str | None = None,
        *,
        proxy: str = "",
        timeout: float = 30.0,
        version: str = "",
    ):
        self.central = check_central_url(central)
        self.token = token
        self.timeout = timeout
        self.version = version
        proxies = {"http": proxy, "https": proxy} if proxy else {}
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler(proxies),
            urllib.request.HTTPSHandler(context=ssl.create_default_context()),
        )

    # -- the three calls ----------------------------------------------------------------------

    def enrol(self, code: str, hostname: str) -> Enrolment:
        request = EnrolRequest(code=code, hostname=hostname, version=self.version)
        status, _, body = self._call(
            "POST",
            ENROL_PATH,
            {"code": request.code, "hostname": request.hostname, "version": request.version},
            authorised=False,
        )
        try:
            return parse_enrolment(_json(body))
        except ProtocolError as bad:
            raise CentralError(ANSWER, f"the central's enrolment answer: {bad}", status) from None

    def config(self, etag: str | None) -> ConfigAnswer:
        headers = {"If-None-Match": f'"{etag}"'} if etag else {}
        started = utcnow()
        status, answer_headers, body = self._call("GET", CONFIG_PATH, None, headers=headers)
        offset = _offset_from_date(started, answer_headers.get("Date"))
        tag = (answer_headers.get("ETag") or "").removeprefix("W/").strip('"') or None
        if status == 304:
            return ConfigAnswer(None, tag or etag, offset)
        try:
            document = parse_config(_json(body))
        except ProtocolError as bad:
            raise CentralError(ANSWER, f"the central's configuration: {bad}", status) from None
        return ConfigAnswer(document, tag or document.etag, offset)

    def push(self, batch: bytes) -> PushAnswer:
        """Send a batch as the queue encoded it (protocol.encode_batch)."""
        started = utcnow()
        status, headers, body = self._call("POST", RESULTS_PATH, batch, compress=True)
        try:
            data = _json(body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            applied = data.get("applied", 0)
            offset = data.get("clock_offset_seconds")
            if not isinstance(offset, int | float) or isinstance(offset, bool):
                offset = _offset_from_date(started, headers.get("Date"))
            return PushAnswer(
                applied=int(applied) if isinstance(applied, int) else 0,
                duplicate=data.get("duplicate") is True,
                clock_offset_seconds=None if offset is None else float(offset),
            )
        except (ValueError, CentralError) as bad:
            raise CentralError(ANSWER, f"the central's answer to a batch: {bad}", status) from None

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        payload: Any,
        *,
        headers: dict[str, str] | None = None,
        authorised: bool = True,
        compress: bool = False,
    ) -> tuple[int, Any, bytes]:
        url = self.central + path
        sent = {"Accept": "application/json", "User-Agent": f"{USER_AGENT}/{self.version}"}
        sent.update(headers or {})
        data = None
        if payload is not None:
            data = payload if isinstance(payload, bytes) else _encoded(payload)
            sent["Content-Type"] = "application/json"
            if compress:
                data = gzip.compress(data, compresslevel=GZIP_LEVEL)
                sent["Content-Encoding"] = "gzip"
        if authorised:
            if not self.token:
                raise CentralError(REVOKED, "no token: enrol this collector first")
            sent["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, headers=sent, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return answer.status, answer.headers, _read(answer)
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return 304, error.headers, b""
            raise _refusal(url, error) from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            raise CentralError(UNREACHABLE, f"cannot reach {url}: {_reason(error)}") from None


def _read(answer) -> bytes:
    body = answer.read(MAX_ANSWER + 1)
    if len(body) > MAX_ANSWER:
        raise CentralError(ANSWER, f"the central's answer is larger than {MAX_ANSWER} bytes")
    return body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise CentralError(ANSWER, "the central's answer is not JSON") from None


def _refusal(url: str, error: urllib.error.HTTPError) -> CentralError:
    code = error.code
    try:
        said = json.loads(error.read(65536)).get("error")
    except (ValueError, AttributeError, OSError):
        said = None
    said = str(said)[:300] if said else (error.reason or "")
    if code == 401 or (code == 403 and "revoked" in said):
        kind = REVOKED
        said = f"{said}; enrol again with a new code (`ictmon collector code NAME` on the central)"
    elif code == 403:
        kind = REFUSED
    elif code == 409:
        kind = CLOCK
    elif code == 413:
        kind = TOO_LARGE
    elif code >= 500:
        kind = SERVER
    else:
        kind = REJECTED
    return CentralError(kind, f"{url} answered {code}: {said}", code)


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not trusted ({reason.verify_message})"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "no answer in time"
    text = getattr(reason, "strerror", None) or str(reason)
    return text.splitlines()[0][:200] if text else type(reason).__name__


def _offset_from_date(started: datetime, header: str | None) -> float | None:
    """This clock minus the central's, from its Date header (one-second resolution, so only a
    fallback when the answer does not carry the central's own figure)."""
    if not header:
        return None
    try:
        theirs = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        return None
    ended = utcnow()
    ours = started + (ended - started) / 2
    return round((ours - theirs).total_seconds(), 1)
