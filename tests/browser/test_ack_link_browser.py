"""The acknowledge link from an alert, opened on a phone's browser under the strict CSP, by
someone who is not signed in: one tap on the confirm button acknowledges the incident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.db.models import Incident
from monitor.incidents.ack_tokens import key_from_secret, sign
from monitor.secrets import web_secret_key
from tests.conftest import NOW

pytestmark = pytest.mark.browser


def test_a_recipient_acknowledges_from_the_link_without_signing_in(live_server, page, settings, db):
    base, ids = live_server
    with db.begin() as s:
        incident = Incident(
            device_id=ids["s02_router"],
            manual=False,
            title="โรงเรียนดอยสูง — s02-router (127.0.2.1)",
            state="open",
            opened_at=NOW - timedelta(hours=2),
            opened_by="ictmon",
        )
        s.add(incident)
        s.flush()
        incident_id = incident.id
    key = key_from_secret(web_secret_key(settings))
    token = sign(key, incident_id, "mail:oncall@district.example", NOW + timedelta(days=1))

    page.goto(f"{base}/ack/{token}")
    page.wait_for_selector("#ack-confirm")
    assert "โรงเรียนดอยสูง — s02-router (127.0.2.1)" in page.inner_text("#ack-incident")
    page.click("#ack-confirm")
    done = page.wait_for_selector("#ack-done")
    assert "รับทราบแล้ว" in done.inner_text()
    assert "oncall@district.example via link" in done.inner_text()
    with db() as s:
        assert s.get(Incident, incident_id).state == "acknowledged"

    page.goto(f"{base}/ack/{token}")  # the same link again
    assert "ลิงก์นี้ถูกใช้ไปแล้ว" in page.inner_text("#ack-refused")
    page.goto(f"{base}/incidents")  # and nobody was signed in
    page.wait_for_selector("#username")
    assert [p for p in page.problems if "410" not in p] == []
