"""A school's contacts on its edit page (monitor.devices.contacts), and the small card the site
page shows them in (`site_contact` for templates/manage/_site_contact.html)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from monitor.db.models import Site
from monitor.devices import contacts
from monitor.devices.admin import Invalid
from web import access
from web.database import db
from web.i18n import translate
from web.manage.views import _or_404, bp


def site_contact(site_id: int) -> contacts.Contact:
    return contacts.contact_of(db(), site_id)


@bp.post("/sites/<int:site_id>/contact")
def site_contact_save(site_id: int):
    site = _or_404(Site, site_id)
    data = {field: request.form.get(field, "") for field in contacts.FIELDS}
    try:
        contacts.save_contact(db(), site_id, data)
    except Invalid as exc:
        db().rollback()
        return render_template(
            "manage/site_form.html",
            site=site,
            values={
                "code": site.code,
                "name": site.name,
                "address_ranges": site.address_ranges or "",
            },
            errors={},
            ranges_locked=not access.is_admin(),
            contact_values=data,
            contact_errors=exc.errors,
        ), 400
    db().commit()
    flash(translate("manage_saved"))
    return redirect(url_for("manage.edit_site", site_id=site_id))


def init_app(app) -> None:
    access.add_rules({"manage.site_contact_save": access.OPERATOR})
    app.add_template_global(site_contact, "site_contact")
