"""Import from the browser: upload → every row checked → the errors (nothing written) or a preview
→ confirm → exactly the previewed changes written.

The uploaded file stays on the server (`<data dir>/imports/<random token>.csv|.xlsx`, with a
small JSON note of who uploaded it and the plan's digest), never in the browser: the
confirmation names the token, re-reads that file, plans it again and writes only when the plan
is the one that was shown. A file lives at most `LIFETIME`, is deleted once imported or
cancelled, and only its uploader may confirm it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import replace
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from monitor.assets.fields import AssetRules
from monitor.db import audit
from monitor.devices import import_preview, importer, register_import
from monitor.devices import queries as mq
from monitor.devices.register_import import ColumnMapping
from monitor.domain import DeviceKind
from web import access
from web.database import db, vault
from web.i18n import translate

LIFETIME_SECONDS = 3600


def asset_rules() -> AssetRules:
    """The office's asset-register rules ([assets] settings)."""
    return AssetRules.from_settings(current_app.config["ICTMON_SETTINGS"].assets)


SUFFIXES = (".csv", ".xlsx")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class Uploads:
    """Uploaded import files kept between the preview and the confirmation."""

    def __init__(self, root: Path, lifetime: float = LIFETIME_SECONDS):
        self.root, self.lifetime = root, lifetime

    def keep(self, content: bytes, suffix: str, owner: int, filename: str) -> str:
        self.sweep()
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(24)  # 32 characters
        (self.root / f"{token}{suffix}").write_bytes(content)
        self._write_note(
            token,
            {
                "owner": owner,
                "suffix": suffix,
                "filename": filename[:200],
                "created": time.time(),
                "digest": None,
            },
        )
        return token

    def note(self, token: str, owner: int) -> dict | None:
        """The note of a live upload of `owner`, or None (unknown, expired, someone else's)."""
        if not _TOKEN.match(token or ""):
            return None
        try:
            note = json.loads((self.root / f"{token}.json").read_text())
        except (OSError, ValueError):
            return None
        if note.get("owner") != owner or time.time() - note["created"] > self.lifetime:
            return None
        return note

    def path(self, token: str, note: dict) -> Path:
        return self.root / f"{token}{note['suffix']}"

    def remember_digest(self, token: str, note: dict, digest: str) -> None:
        self._write_note(token, {**note, "digest": digest})

    def remember_mapping(self, token: str, note: dict, mapping: ColumnMapping) -> dict:
        """Keep the register's column mapping: the confirmation reads the file through it."""
        note = {**note, "mapping": mapping.as_note()}
        self._write_note(token, note)
        return note

    def discard(self, token: str) -> None:
        if _TOKEN.match(token or ""):
            for path in self.root.glob(f"{token}.*"):
                path.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Delete what has outlived its lifetime (a preview nobody confirmed)."""
        if not self.root.is_dir():
            return
        limit = time.time() - self.lifetime
        for path in self.root.iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                pass  # removed meanwhile by another request

    def _write_note(self, token: str, note: dict) -> None:
        (self.root / f"{token}.json").write_text(json.dumps(note))


def uploads() -> Uploads:
    return Uploads(current_app.config["ICTMON_SETTINGS"].data_dir / "imports")


def _read_and_plan(path: Path, note: dict | None = None):
    if note is not None and note.get("mapping"):
        mapping = ColumnMapping.from_note(note["mapping"])
        header, rows = register_import.register_rows(path, mapping)
    else:
        header, rows = importer.read_rows(path)
    return header, rows, import_preview.plan_import(db(), header, rows, vault(), asset_rules())


def _mapping_page(table, token: str, filename: str, mapping: ColumnMapping, errors=None):
    """The register's column mapping: which column holds what, under which header row."""
    header = register_import.header_cells(table, mapping.header_line)
    sample: list[str] = next((cells for line, cells in table if line > mapping.header_line), [])
    columns = [
        (position, cell, sample[position] if position < len(sample) else "")
        for position, cell in enumerate(header)
    ]
    return render_template(
        "manage/import_mapping.html",
        token=token,
        filename=filename,
        mapping=mapping,
        columns=columns,
        fields=register_import.FIELDS,
        sites=mq.site_choices(db()),
        kinds=tuple(DeviceKind),
        errors=errors,
    )


def _mapping_from_form(form) -> ColumnMapping:
    def number(text: str, default: int) -> int:
        return int(text) if text.isdigit() and len(text) < 7 else default

    columns = {}
    for key, value in form.items():
        if key.startswith("col_") and value in register_import.FIELDS:
            columns[number(key[4:], -1)] = value
    code = form.get("site", "").strip() or form.get("new_site_code", "").strip()
    return ColumnMapping(
        number(form.get("header_line", ""), 1),
        {k: v for k, v in columns.items() if k >= 0},
        site_code=code[:32],
        site_name=form.get("new_site_name", "").strip()[:200],
        kind=form.get("kind", ""),
    )


def _errors_page(errors, filename: str):
    return render_template(
        "manage/import.html",
        errors=errors,
        filename=filename,
        plan=None,
        token=None,
        max_errors=200,
    )


def _preview_page(plan, token: str, filename: str, changed: bool = False):
    return render_template(
        "manage/import.html",
        errors=None,
        filename=filename,
        plan=plan,
        token=token,
        changed=changed,
    )


def import_page():
    return render_template("manage/import.html", errors=None, plan=None, token=None)


def import_upload():
    upload = request.files.get("file")
    filename = Path(upload.filename or "").name if upload else ""
    suffix = Path(filename).suffix.lower()
    if upload is None or not filename:
        return _errors_page(
            [importer.RowError(0, "file", translate("manage_import_no_file"))], filename
        ), 400
    if suffix not in SUFFIXES:
        reason = f"{filename}: unsupported file type '{suffix or '(none)'}': use .csv or .xlsx"
        return _errors_page([importer.RowError(0, None, reason)], filename), 400
    store = uploads()
    token = store.keep(upload.read(), suffix, current_user.id, filename)
    note = store.note(token, current_user.id)
    if note is None:  # written just above: only a failing disk loses it
        abort(500)
    try:
        table = importer.read_table(store.path(token, note))
        if not register_import.is_importer_file(table):
            # The office's own register: ask which column holds what before anything else.
            line = register_import.guess_header(table)
            header = register_import.header_cells(table, line)
            guess = ColumnMapping(line, register_import.guess_mapping(header), kind="other")
            return _mapping_page(table, token, filename, guess)
        _, _, plan = _read_and_plan(store.path(token, note))
    except importer.ImportRejected as exc:
        store.discard(token)
        return _errors_page(exc.errors, filename)
    store.remember_digest(token, note, plan.digest)
    return _preview_page(plan, token, filename)


def import_mapping(token: str):
    """The register's mapping is chosen: plan the import through it and show the preview."""
    store = uploads()
    note = store.note(token, current_user.id)
    if note is None:
        flash(translate("manage_import_expired"))
        return redirect(url_for("manage.import_page"))
    mapping = _mapping_from_form(request.form)
    if request.form.get("site"):  # an existing site keeps its name
        names = {code: name for _, code, name in mq.site_choices(db())}
        mapping = replace(mapping, site_name=names.get(mapping.site_code, mapping.site_name))
    path = store.path(token, note)
    table: register_import.Table = []
    try:
        table = importer.read_table(path)
        note = store.remember_mapping(token, note, mapping)
        _, _, plan = _read_and_plan(path, note)
    except importer.ImportRejected as exc:
        # Kept: the officer corrects the mapping (or the file's rows) and tries again.
        if any(e.line == 0 for e in exc.errors):
            return _mapping_page(table, token, note["filename"], mapping, exc.errors), 400
        return _errors_page(exc.errors, note["filename"]), 400
    store.remember_digest(token, note, plan.digest)
    return _preview_page(plan, token, note["filename"])


def import_confirm(token: str):
    store = uploads()
    note = store.note(token, current_user.id)
    if note is None:
        flash(translate("manage_import_expired"))
        return redirect(url_for("manage.import_page"))
    session = db()
    try:
        header, rows, plan = _read_and_plan(store.path(token, note), note)
    except importer.ImportRejected as exc:  # the data changed since (a parent was renamed)
        store.discard(token)
        return _errors_page(exc.errors, note["filename"])
    if plan.digest != note["digest"]:
        store.remember_digest(token, note, plan.digest)
        return _preview_page(plan, token, note["filename"], changed=True)
    report = importer.import_into(
        session, header, rows, vault(), asset_rules(), by_admin=access.is_admin()
    )
    audit.record(
        session,
        "import",
        "import",
        label=note["filename"],
        changes={
            "sites_created": report.sites_created,
            "sites_updated": report.sites_updated,
            "devices_created": report.devices_created,
            "devices_updated": report.devices_updated,
        },
    )
    session.commit()
    store.discard(token)
    flash(
        translate(
            "manage_import_done",
            sc=report.sites_created,
            su=report.sites_updated,
            dc=report.devices_created,
            du=report.devices_updated,
        )
    )
    return redirect(url_for("manage.devices"))


def import_cancel(token: str):
    if uploads().note(token, current_user.id) is not None:
        uploads().discard(token)
    return redirect(url_for("manage.import_page"))
