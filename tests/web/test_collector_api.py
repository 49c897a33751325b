"""What a collector calls on the central, through the app: enrolment, the configuration with its
ETag, uploads; and who may call them: a collector's token only, never a person's, and a
collector's token opens nothing else."""

from __future__ import annotations

import gzip
import io
import json
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from monitor.accounts.users import create_token, create_user
from monitor.db.models import (
    AuditEvent,
    Collector,
    CollectorBatch,
    DeviceState,
    PingSample,
)
from monitor.edge import enrolment, protocol
from tests.conftest import NOW, add_device, add_site
from tests.support.hostile import NESTED_JSON
from tests.web.conftest import make_app
from web.api.collector import etag_key

ENROL, CONFIG, RESULTS = protocol.ENROL_PATH, protocol.CONFIG_PATH, protocol.RESULTS_PATH


def seed(factory) -> dict[str, Any]:
    with factory.begin() as s:
        office = add_site(s, "OFFICE", "Office")
        core = add_device(s, office, "core", "127.0.0.1")
        s012 = add_site(s, "S012", "School twelve")
        router = add_device(s, s012, "s012-router", "127.0.12.1", parent=core)
        switch = add_device(s, s012, "s012-sw", "127.0.12.2", "switch", parent=router)
        s013 = add_site(s, "S013", "School thirteen")
        other = add_device(s, s013, "s013-sw", "127.0.13.2", "switch")
        twelve = enrolment.create_collector(s, "S012-pi", ["S012"], now=NOW, enrolment_hours=24)
        thirteen = enrolment.create_collector(s, "S013-pi", ["S013"], now=NOW, enrolment_hours=24)
        return {
            "router": router.id,
            "switch": switch.id,
            "other": other.id,
            "code": twelve.code,
            "code13": thirteen.code,
            "collector": twelve.collector.id,
        }


@pytest.fixture
def central(settings, any_db):
    ids = seed(any_db)
    app = make_app(settings, any_db)
    return app.test_client(), any_db, ids


def enrolled(client, code) -> dict[str, str]:
    answer = client.post(ENROL, json={"code": code, "hostname": "pi", "version": "1.0"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return {"Authorization": f"Bearer {answer.json['token']}"}


def batch(devices, *, batch_id="q-1-2", sent_at=NOW, received=3) -> dict:
    return protocol.Batch(
        batch_id=batch_id,
        sent_at=sent_at,
        version="1.0",
        hostname="pi",
        sweeps=(
            protocol.Sweep(
                NOW - timedelta(seconds=60),
                tuple(protocol.PingOutcome(d, 3, received, 1.0, 1.2, 1.5) for d in devices),
            ),
        ),
    ).to_json()


def count(factory, model) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model))


# --- enrolment -----------------------------------------------------------------------------


def test_enrolment_answers_the_token_once_and_a_second_use_is_refused(central):
    client, _, ids = central
    answer = client.post(ENROL, json={"code": ids["code"], "hostname": "pi", "version": "1.0"})
    assert answer.status_code == 201
    assert protocol.parse_enrolment(answer.json).sites == ("S012",)
    again = client.post(ENROL, json={"code": ids["code"]})
    assert again.status_code == 403
    assert again.json == {"error": "this enrolment code was used already: ask for a new one"}


def test_enrolment_refusals_are_clear(central, settings):
    client, factory, _ = central
    assert client.post(ENROL, json={"code": "nope"}).json == {"error": "unknown enrolment code"}
    missing = client.post(ENROL, json={"hostname": "pi"})
    assert missing.status_code == 400 and missing.json == {"error": "code: missing"}
    not_json = client.post(ENROL, data="code=1")
    assert not_json.status_code == 400 and "JSON" in not_json.json["error"]
    with factory() as s:
        assert s.scalar(select(func.count()).where(Collector.token_hash.is_not(None))) == 0
        assert s.scalars(select(AuditEvent.action).where(AuditEvent.action == "enrol_refused"))


def test_an_expired_code_is_refused_through_the_api(settings, any_db):
    ids = seed(any_db)
    app = make_app(settings, any_db)
    app.config["ICTMON_CLOCK"] = lambda: NOW + timedelta(hours=25)
    answer = app.test_client().post(ENROL, json={"code": ids["code"]})
    assert answer.status_code == 403
    assert answer.json["error"] == "this enrolment code has expired: ask for a new one"


# --- configuration -------------------------------------------------------------------------


def test_config_comes_with_an_etag_and_costs_a_304_when_unchanged(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    first = client.get(CONFIG, headers=token)
    assert first.status_code == 200
    document = protocol.parse_config(first.json)
    assert [d.name for d in document.devices] == ["s012-sw"]  # its inside, not the uplink
    etag = first.headers["ETag"]
    # Keyed: a tag read from the database is no plain hash to try the credentials against.
    key = etag_key(client.application.config["SECRET_KEY"])
    assert etag == f'"{document.keyed_etag(key)}"' and etag != f'"{document.etag}"'
    same = client.get(CONFIG, headers={**token, "If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    with factory() as s:
        row = s.get(Collector, ids["collector"])
        assert row.last_contact_at == NOW and row.config_etag == document.keyed_etag(key)
    stale = client.get(CONFIG, headers={**token, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_no_token_a_users_token_or_a_revoked_collectors_token_gets_no_config(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    assert client.get(CONFIG).status_code == 401
    with factory.begin() as s:
        user_token = create_token(s, create_user(s, "scripter", "a long password 1", "admin"))
    as_user = client.get(CONFIG, headers={"Authorization": f"Bearer {user_token}"})
    assert as_user.status_code == 403
    with factory.begin() as s:
        enrolment.revoke(s, s.get(Collector, ids["collector"]), now=NOW)
    revoked = client.get(CONFIG, headers=token)
    assert revoked.status_code == 403
    assert revoked.json == {"error": "collector 'S012-pi' was revoked on the central"}
    upload = client.post(RESULTS, json=batch([ids["switch"]]), headers=token)
    assert upload.status_code == 403
    assert count(factory, CollectorBatch) == 0


def test_a_collector_token_opens_nothing_but_the_collector_routes(central):
    client, _, ids = central
    token = enrolled(client, ids["code"])
    for path in ("/api/v1/devices", "/api/v1/sites", "/metrics"):
        assert client.get(path, headers=token).status_code == 401, path
    assert client.get("/manage/collectors", headers=token).status_code == 302  # the login page


# --- uploads -------------------------------------------------------------------------------


def test_an_oversized_batch_is_refused_before_it_is_read(settings, any_db):
    ids = seed(any_db)
    small = replace(settings, collector=replace(settings.collector, max_batch_bytes=2_000))
    client = make_app(small, any_db).test_client()
    token = enrolled(client, ids["code"])
    body = json.dumps(batch([ids["switch"]]) | {"hostname": "x" * 3_000})
    answer = client.post(RESULTS, data=body, headers={**token, "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json == {"error": "batch larger than 2000 bytes: send smaller batches"}
    assert count(any_db, CollectorBatch) == 0


def test_a_malformed_batch_is_refused_naming_the_field(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    body = batch([ids["switch"]])
    body["sweeps"][0]["results"][0]["received"] = "three"
    answer = client.post(RESULTS, json=body, headers=token)
    assert answer.status_code == 400
    assert answer.json == {"error": "sweeps[0].results[0].received: expected an integer"}
    garbage = client.post(
        RESULTS, data="{not json", headers={**token, "Content-Type": "application/json"}
    )
    assert garbage.status_code == 400 and garbage.json == {
        "error": "the body must be a JSON object"
    }
    nested = client.post(
        RESULTS, data=NESTED_JSON, headers={**token, "Content-Type": "application/json"}
    )
    assert nested.status_code == 400 and nested.json == {"error": "the body must be a JSON object"}
    assert count(factory, CollectorBatch) == 0


def test_results_are_applied_once(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    first = client.post(RESULTS, json=batch([ids["switch"]]), headers=token)
    assert first.status_code == 200, first.json
    assert first.json == {"applied": 1, "duplicate": False, "clock_offset_seconds": 0.0}
    again = client.post(RESULTS, json=batch([ids["switch"]]), headers=token)
    assert again.json["duplicate"] is True and again.json["applied"] == 0
    assert count(factory, PingSample) == 1
    with factory() as s:
        assert s.get(DeviceState, ids["switch"]).status == "up"


def test_a_device_of_another_school_is_refused_nothing_written_and_audited(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    answer = client.post(RESULTS, json=batch([ids["switch"], ids["other"]]), headers=token)
    assert answer.status_code == 403
    assert f"does not measure device(s) {ids['other']}" in answer.json["error"]
    assert count(factory, CollectorBatch) == 0 and count(factory, PingSample) == 0
    with factory() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "results_refused")).one()
        assert event.actor == "collector:S012-pi" and event.object_label == "S012-pi"
        assert event.changes["batch_id"] == "q-1-2"


def test_a_clock_ten_minutes_off_is_refused_and_shown(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    answer = client.post(
        RESULTS, json=batch([ids["switch"]], sent_at=NOW + timedelta(minutes=10)), headers=token
    )
    assert answer.status_code == 409
    assert "clock" in answer.json["error"]
    assert count(factory, PingSample) == 0
    with factory() as s:
        assert s.get(Collector, ids["collector"]).clock_offset_seconds == pytest.approx(600)


def test_an_oversized_batch_without_a_length_is_cut_off(settings, any_db):
    ids = seed(any_db)
    small = replace(settings, collector=replace(settings.collector, max_batch_bytes=2_000))
    client = make_app(small, any_db).test_client()
    token = enrolled(client, ids["code"])
    body = json.dumps(batch([ids["switch"]]) | {"hostname": "x" * 3_000}).encode()
    answer = client.post(
        RESULTS,
        input_stream=io.BytesIO(body),
        headers={**token, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        # As waitress says of a chunked body it has de-chunked: read it to its end.
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 413
    assert count(any_db, CollectorBatch) == 0


def test_the_same_upload_sent_twice_at_once_is_applied_once(central):
    """A collector whose request timed out sends its batch again while the central is still
    applying the first: one is applied, the other answered as a duplicate, never a 500."""
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    app = client.application
    rounds = 4
    answers: list[list[tuple[int, Any]]] = []
    for n in range(rounds):
        sweeps = tuple(
            protocol.Sweep(
                NOW - timedelta(seconds=60 * (rounds * 60 - n * 60 - i)),
                (protocol.PingOutcome(ids["switch"], 3, 3, 1.0, 1.2, 1.5),),
            )
            for i in range(60)
        )
        body = protocol.Batch(
            batch_id=f"q-{n}", sent_at=NOW, version="1.0", hostname="pi", sweeps=sweeps
        ).to_json()
        start = threading.Barrier(2)
        got: list[tuple[int, Any]] = []

        def post(body=body, start=start, got=got) -> None:
            with app.test_client() as own:
                start.wait(timeout=10)
                answer = own.post(RESULTS, json=body, headers=token)
                got.append((answer.status_code, answer.get_json()))

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        answers.append(got)
    for got in answers:
        assert [status for status, _ in got] == [200, 200], got
        assert sorted(a["duplicate"] for _, a in got) == [False, True], got
        assert sorted(a["applied"] for _, a in got) == [0, 60], got
    assert count(factory, CollectorBatch) == rounds
    assert count(factory, PingSample) == 60 * rounds


def test_a_gzip_batch_is_applied_like_a_plain_one(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    body = gzip.compress(json.dumps(batch([ids["switch"]])).encode())
    answer = client.post(
        RESULTS,
        data=body,
        headers={**token, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["applied"] == 1
    assert count(factory, PingSample) == 1


def test_a_gzip_body_that_inflates_past_the_limit_stops_there(settings, any_db):
    ids = seed(any_db)
    small = replace(settings, collector=replace(settings.collector, max_batch_bytes=20_000))
    client = make_app(small, any_db).test_client()
    token = enrolled(client, ids["code"])
    # 5 MB of blanks in a JSON object: a few kB on the wire, well under the limit.
    body = gzip.compress(b'{"batch_id": "q1-1"' + b" " * 5_000_000 + b"}", compresslevel=9)
    assert len(body) < 20_000
    answer = client.post(
        RESULTS,
        data=body,
        headers={**token, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 413
    assert answer.json == {"error": "batch larger than 20000 bytes: send smaller batches"}
    assert count(any_db, CollectorBatch) == 0


def test_a_broken_gzip_body_or_another_encoding_is_refused_clearly(central):
    client, factory, ids = central
    token = enrolled(client, ids["code"])
    headers = {**token, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    whole = gzip.compress(json.dumps(batch([ids["switch"]])).encode())
    cut = client.post(RESULTS, data=whole[: len(whole) // 2], headers=headers)
    assert cut.status_code == 400 and cut.json == {"error": "body: the gzip stream ends early"}
    garbage = client.post(RESULTS, data=b"this is not gzip", headers=headers)
    assert garbage.status_code == 400
    assert garbage.json["error"].startswith("body: not valid gzip")
    trailing = client.post(RESULTS, data=whole + b"more", headers=headers)
    assert trailing.status_code == 400
    assert trailing.json == {"error": "body: data after the end of the gzip stream"}
    brotli = client.post(RESULTS, data=whole, headers={**headers, "Content-Encoding": "br"})
    assert brotli.status_code == 415
    assert brotli.json == {"error": "Content-Encoding 'br': send the batch as it is or gzip"}
    assert count(factory, CollectorBatch) == 0
