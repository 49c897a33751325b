"""Acknowledge from the message: the signed, expiring token in each outage alert's link (PURE
but for reading the secret key), and the links alerts carry.

The link carries (incident id, route, expiry) and an HMAC-SHA256 over them with a key derived
from the installation's web secret key ([web] secret_key or its key file), so it cannot be made
or altered without that key. "Route" is who the alert went to: a channel (`ch:<id>`) or the
mail's recipients (`mail:<addresses>`). Using a link (once, monitor.incidents.ack_links) records
that route as the actor. It grants nothing else: no session, no other incident, no other action.

The trade-off (README, security): whoever holds the message can acknowledge that one incident
until the link expires — the same people who were told of the outage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.secrets import SecretsError, web_secret_key
from monitor.settings import Settings

log = logging.getLogger(__name__)

# How long a link in an alert can acknowledge: long enough for a weekend, short enough that an
# old message found later is harmless.
TTL = timedelta(days=3)
PATH = "/ack/"
_CONTEXT = b"ictmon acknowledge links v1"


class AckLinkError(ValueError):
    """A link that cannot acknowledge; `reason` is tampered / expired / used / not_open."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claim:
    incident_id: int
    route: str
    expires: datetime


def key_from_secret(secret: str) -> bytes:
    """A key of its own for links, derived from the web secret key: a link's signature can never
    serve as a session cookie's, nor the other way round."""
    return hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()


def key_or_none(settings: Settings) -> bytes | None:
    """The link key, or None (alerts then carry the plain incident link) when this process
    cannot read the web secret key."""
    try:
        return key_from_secret(web_secret_key(settings))
    except SecretsError as exc:
        log.warning("alerts carry no acknowledge links: %s", exc)
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def sign(key: bytes, incident_id: int, route: str, expires: datetime) -> str:
    """The token (PURE): base64url(JSON [id, route, expiry]) "." base64url(HMAC)."""
    body = json.dumps(
        [incident_id, route[:200], int(expires.timestamp())],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    payload = _b64(body.encode("utf-8"))
    return f"{payload}.{_signature(key, payload)}"


def verify(key: bytes, token: str, now: datetime) -> Claim:
    """The claim of a genuine, unexpired token (PURE); AckLinkError otherwise."""
    payload, dot, signature = (token or "").partition(".")
    if not dot or len(token) > 2000:
        raise AckLinkError("tampered")
    if not hmac.compare_digest(_signature(key, payload), signature):
        raise AckLinkError("tampered")
    try:
        incident_id, route, expires = json.loads(_unb64(payload))
        claim = Claim(int(incident_id), str(route), datetime.fromtimestamp(int(expires), UTC))
    except (ValueError, TypeError):  # signed by us, so only a format change gets here
        raise AckLinkError("tampered") from None
    if now >= claim.expires:
        raise AckLinkError("expired")
    return claim


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Links:
    """Makes the links alerts carry: the incident page, and the acknowledge link where a key
    and a base URL exist."""

    base_url: str
    key: bytes | None
    now: datetime

    def incident(self, incident_id: int) -> str:
        return f"{self.base_url.rstrip('/')}/incidents/{incident_id}" if self.base_url else ""

    def ack(self, incident_id: int, route: str) -> str:
        """The acknowledge link; "" without a key or a base URL (alerts keep the plain link)."""
        if not self.base_url or self.key is None:
            return ""
        token = sign(self.key, incident_id, route, self.now + TTL)
        return f"{self.base_url.rstrip('/')}{PATH}{token}"


def channel_route(channel_id: int) -> str:
    return f"ch:{channel_id}"


def mail_route(recipients: list[str]) -> str:
    return "mail:" + ",".join(recipients)
