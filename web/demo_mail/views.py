"""/demo/mail: the messages the demo's mail catcher received, newest first; one message; its files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template

from monitor.demo.mailbox import attachment, list_mail, read_mail

bp = Blueprint("demo_mail", __name__)


def _folder() -> Path:
    folder = current_app.config["ICTMON_SETTINGS"].demo.mail_dir
    if not folder:
        abort(404)  # not the demo: there is no mail catcher to read
    return Path(folder)


@bp.get("/demo/mail")
def index():
    return render_template("demo_mail/index.html", messages=list_mail(_folder()))


@bp.get("/demo/mail/<name>")
def show(name: str):
    message = read_mail(_folder(), name)
    if message is None:
        abort(404)
    return render_template("demo_mail/show.html", message=message)


@bp.get("/demo/mail/<name>/<int:index>")
def attachment_file(name: str, index: int):
    found = attachment(_folder(), name, index)
    if found is None:
        abort(404)
    meta, content = found
    response = Response(content, mimetype=meta.content_type or "application/octet-stream")
    name_part = quote(meta.filename or "attachment", safe="")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name_part}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
