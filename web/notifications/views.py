"""The notifications page: add, change, test and delete alert channels.

A channel's URL holds the service's token: the form field is write-only (a password input that
is never filled in; left empty on change, the stored URL stays), and no page, flash or error
repeats it. Changes go through the request's audited session (the audit log marks the URL
"set", never its value).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from monitor.channels import store
from monitor.channels.kinds import EVENTS, KINDS, ChannelError
from monitor.channels.texts import probe_text
from monitor.channels.transport import notify
from monitor.i18n import LANGUAGES
from monitor.localtime import format_datetime
from monitor.mail import server as mail_server
from monitor.mail.smtp import send_test
from monitor.secrets import SecretsError
from web.database import db, vault
from web.i18n import translate

bp = Blueprint("notifications", __name__)

URL_MAX = 2000


def _form() -> dict[str, str]:
    form = request.form
    return {
        "name": form.get("name", "")[:200],
        "url": form.get("url", "").strip()[:URL_MAX],
        "language": form.get("language", "th"),
        "events": ",".join(e for e in form.getlist("events") if e in EVENTS),
        "sites": form.get("sites", "")[:2000],
    }


def _page(status: int = 200, **extra):
    settings = current_app.config["ICTMON_SETTINGS"]
    return (
        render_template(
            "notifications/index.html",
            channels=store.channels(db()),
            kinds=KINDS,
            events=EVENTS,
            languages=LANGUAGES,
            mail=mail_server.view(db(), settings),
            security_modes=mail_server.SECURITY,
            alerts=settings.alerts,
            **extra,
        ),
        status,
    )


@bp.get("/admin/notifications")
def index():
    return _page()


@bp.post("/admin/notifications")
def add():
    values = _form()
    try:
        store.add(
            db(),
            vault(),
            name=values["name"],
            url=values["url"],
            now=g.now,
            language=values["language"],
            events=values["events"],
            sites=values["sites"],
        )
    except ChannelError as exc:
        db().rollback()
        values.pop("url")  # never sent back to the browser
        return _page(400, add_error=str(exc), values=values)
    db().commit()
    flash(translate("notif_added", name=" ".join(values["name"].split())))
    return redirect(url_for("notifications.index"))


@bp.post("/admin/notifications/<int:channel_id>")
def change(channel_id: int):
    values = _form()
    try:
        store.change(
            db(),
            vault(),
            channel_id,
            url=values["url"] or None,
            language=values["language"],
            events=values["events"],
            sites=values["sites"],
            enabled=request.form.get("enabled") == "on",
        )
    except ChannelError as exc:
        db().rollback()
        return _page(400, change_error=(channel_id, str(exc)))
    db().commit()
    flash(translate("notif_saved"))
    return redirect(url_for("notifications.index"))


@bp.post("/admin/notifications/<int:channel_id>/test")
def test(channel_id: int):
    try:
        url = store.url_of(db(), vault(), channel_id)
    except ChannelError:
        return redirect(url_for("notifications.index"))
    channel = next(c for c in store.channels(db()) if c.id == channel_id)
    text = probe_text(channel.name, channel.language, at=format_datetime(g.now, channel.language))
    outcome = notify(url, text)
    return _page(test_result=(channel_id, outcome.ok, outcome.reply))


@bp.post("/admin/notifications/<int:channel_id>/delete")
def delete(channel_id: int):
    if store.remove(db(), channel_id):
        db().commit()
        flash(translate("notif_deleted"))
    return redirect(url_for("notifications.index"))


# --- the mail server -------------------------------------------------------------------------

PASSWORD_MAX = 500


def _mail_form() -> mail_server.MailServerForm:
    form = request.form
    return mail_server.MailServerForm(
        host=form.get("host", "")[:300],
        port=form.get("port", "")[:20],
        security=form.get("security", "none")[:16],
        username=form.get("username", "")[:300],
        password=form.get("password", "")[:PASSWORD_MAX],
        from_address=form.get("from_address", "")[:300],
        report_recipients=form.get("report_recipients", "")[:4000],
        clear_password=form.get("clear_password") == "on",
    )


@bp.post("/admin/notifications/mail")
def mail_save():
    form = _mail_form()
    try:
        mail_server.save(db(), vault(), form, now=g.now, actor=current_user.username)
    except mail_server.MailSettingsError as exc:
        db().rollback()
        # Everything typed comes back except the password: a refused form never echoes it.
        typed = {k: v for k, v in vars(form).items() if k not in ("password", "clear_password")}
        return _page(400, mail_error=(exc.field, str(exc)), mail_values=typed)
    db().commit()
    flash(translate("notif_mail_saved"))
    return redirect(url_for("notifications.index") + "#mail-route")


@bp.post("/admin/notifications/mail/reset")
def mail_reset():
    if mail_server.reset(db()):
        db().commit()
        flash(translate("notif_mail_reset_done"))
    return redirect(url_for("notifications.index") + "#mail-route")


@bp.post("/admin/notifications/mail/test")
def mail_test():
    """Send one mail now through the server as saved (not through the outbox) and show the
    server's answers, line by line."""
    settings = current_app.config["ICTMON_SETTINGS"]
    address = request.form.get("address", "").strip()[:254]
    try:
        smtp = mail_server.smtp_for_sending(db(), settings)
    except SecretsError as exc:
        return _page(mail_test_result=(False, [str(exc)], address))
    ok, dialogue = send_test(
        smtp,
        address,
        subject="ictmon: ทดสอบการส่งอีเมล / test email",
        text=f"{settings.office.name}\n\nictmon test email.\n",
    )
    return _page(mail_test_result=(ok, dialogue, address))
