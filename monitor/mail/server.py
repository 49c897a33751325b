"""The mail server and the monthly report's recipients as set from the browser.

The config file's [smtp] and [reports] values are the defaults; a value set here (one row,
`mail_settings`) takes their place. Everything that sends reads `effective()` at each run, so a
change takes effect without a restart. The password is encrypted with the vault and only ever
decrypted to send: `MailServerView` is all a page may show, and an empty password field keeps
the stored one. Changes are audited as the person who made them, the password only as "set".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.db import audit
from monitor.db.models import MailSettings
from monitor.secrets import Vault
from monitor.settings import ConfigError, Settings, SmtpSettings, parse_recipients

ROW_ID = 1
SECURITY = ("none", "starttls", "ssl")


class MailSettingsError(ValueError):
    """A form value that cannot be saved: the message names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MailServerForm:
    """What the form sends; `password` empty means "keep the stored one"."""

    host: str
    port: str
    security: str
    username: str
    password: str
    from_address: str
    report_recipients: str
    clear_password: bool = False


@dataclass(frozen=True)
class MailServerView:
    """The effective mail server without its password, and where each value comes from."""

    host: str
    port: int
    security: str
    username: str
    password_set: bool
    from_address: str
    report_recipients: str
    from_browser: bool
    updated_at: datetime | None
    updated_by: str | None


def validate(form: MailServerForm) -> dict[str, object]:
    """The columns to store (PURE); raises MailSettingsError naming the first bad field."""
    host = form.host.strip()
    if not host:
        raise MailSettingsError("host", "the mail server's host name is empty")
    if len(host) > 255 or any(c.isspace() or c in "/@:" for c in host):
        raise MailSettingsError("host", f"{host[:80]!r} is not a host name or address")
    try:
        port = int(form.port.strip())
    except ValueError:
        raise MailSettingsError("port", f"{form.port[:20]!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise MailSettingsError("port", f"port {port} is outside 1–65535")
    if form.security not in SECURITY:
        raise MailSettingsError("security", f"TLS mode must be one of {', '.join(SECURITY)}")
    username = form.username.strip()
    if len(username) > 255:
        raise MailSettingsError("username", "the user name is longer than 255 characters")
    from_address = form.from_address.strip()
    try:
        [parsed] = parse_recipients(from_address, "from address")
    except (ConfigError, ValueError):
        raise MailSettingsError(
            "from_address", f"{from_address[:80]!r} is not an email address"
        ) from None
    try:
        recipients = parse_recipients(form.report_recipients, "report recipients", r"[,;\s]")
    except ConfigError as exc:
        raise MailSettingsError("report_recipients", str(exc)) from None
    return {
        "host": host,
        "port": port,
        "security": form.security,
        "username": username,
        "from_address": parsed,
        "report_recipients": ", ".join(recipients),
    }


def _row(session: Session) -> MailSettings | None:
    return session.get(MailSettings, ROW_ID)


def effective_smtp(session: Session, vault: Vault | None, base: SmtpSettings) -> SmtpSettings:
    """[smtp] with what the browser set in its place. Without a vault the password stays the
    file's (for reads that never send: the banner, check-config)."""
    row = _row(session)
    if row is None:
        return base
    changes: dict[str, object] = {
        name: value
        for name in ("host", "port", "security", "username", "from_address")
        if (value := getattr(row, name)) is not None
    }
    if vault is not None:
        secret = row.password_secret
        # NULL: none saved in the browser; b"": removed in the browser on purpose.
        if secret is None:
            changes["password"] = _file_password(row, base)
        else:
            changes["password"] = (vault.decrypt(secret) if secret else "") or ""
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _file_password(row: MailSettings, base: SmtpSettings) -> str:
    """No password saved in the browser: the file's, if the browser kept the file's user (an
    empty password field keeps the password in force), else none."""
    return base.password if row.username in (None, base.username) else ""


def smtp_for_sending(session: Session, settings: Settings) -> SmtpSettings:
    """The mail server to send through now, password decrypted (the vault is needed only when
    the browser set something)."""
    if _row(session) is None:
        return settings.smtp
    return effective_smtp(session, Vault.from_settings(settings), settings.smtp)


def report_recipients(session: Session, settings: Settings) -> list[str]:
    """The superiors who receive the monthly report: the browser's list, else [reports]."""
    row = _row(session)
    if row is not None and row.report_recipients is not None:
        return parse_recipients(row.report_recipients, "report recipients", r"[,;\s]")
    return parse_recipients(settings.reports.recipients)


def view(session: Session, settings: Settings) -> MailServerView:
    smtp = effective_smtp(session, None, settings.smtp)
    row = _row(session)
    if row is None:
        password_set = bool(smtp.password)
    else:
        secret = row.password_secret
        password_set = bool(secret if secret is not None else _file_password(row, settings.smtp))
    return MailServerView(
        smtp.host,
        smtp.port,
        smtp.security,
        smtp.username,
        password_set,
        smtp.from_address,
        ", ".join(report_recipients(session, settings)),
        row is not None,
        row.updated_at if row else None,
        row.updated_by if row else None,
    )


def save(
    session: Session, vault: Vault, form: MailServerForm, *, now: datetime, actor: str
) -> None:
    """Store the form (validated); the audit entry lists what changed, the password as "•••"."""
    values = validate(form)
    row = _row(session)
    if row is None:
        row = MailSettings(id=ROW_ID)
        session.add(row)
    changes: dict[str, list[object]] = {}
    for name, value in values.items():
        before = getattr(row, name)
        if before != value:
            changes[name] = [before, value]
            setattr(row, name, value)
    if form.password:
        changes["password"] = [audit.SECRET if row.password_secret else None, audit.SECRET]
        row.password_secret = vault.encrypt(form.password)
    elif form.clear_password and row.password_secret != b"":
        changes["password"] = [audit.SECRET, None]
        row.password_secret = b""  # removed on purpose: the file's password is not used either
    row.updated_at = now
    row.updated_by = actor[:128]
    session.flush()
    if changes:
        audit.record(session, "update", "mail_settings", object_id=ROW_ID, changes=changes)


def reset(session: Session) -> bool:
    """Back to the config file's values; True when something was set."""
    row = _row(session)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(session, "delete", "mail_settings", object_id=ROW_ID)
    return True
