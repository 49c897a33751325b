"""Search from anywhere: `/search?q=` finds sites and devices, grouped by kind."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from monitor.devices.search import search
from web.database import db
from web.params import search_arg

bp = Blueprint("search", __name__)


@bp.get("/search")
@login_required
def results():
    text = search_arg(request.args)
    found = search(db(), text) if text else None
    return render_template("search/results.html", text=text or "", found=found)
