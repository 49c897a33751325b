"""Stored credentials go only where an admin meant them to (monitor.credentials): the attacks of
the hardening review, played against real SSH servers on loopback (tests/support/fake_switch.py).

The office's switch answers on 127.0.0.1; a host the operator controls answers on 127.0.0.2 and
keeps every password offered to it. An operator may edit devices, so the attack is: point the
device at the harvesting host (API PATCH, the web form, an import), press "back up now", read the
password. Held credentials are never decrypted for such a device until an admin confirms.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.accounts.users import create_token, create_user
from monitor.credentials import holds
from monitor.db.models import Device, SnmpProfile, SshCredentialProfile, User
from monitor.devices import admin as device_admin
from monitor.devices import importer
from monitor.localtime import utcnow
from monitor.secrets import Vault
from monitor.settings import SshSettings
from monitor.snmp import store as snmp_store
from tests.conftest import NOW, add_device, add_site
from tests.support.fake_switch import FakeSwitch
from tests.web.conftest import PASSWORD, make_app, sign_in

SSH_PASSWORD = "Sw1tch-Pa55-xyz"
COMMUNITY = "office-only-community"
DAY = timedelta(days=1)


@pytest.fixture
def switch():
    with FakeSwitch(password=SSH_PASSWORD) as running:
        yield running


@pytest.fixture
def harvester():
    """The operator's own host: accepts no password, remembers every one it was offered."""
    with FakeSwitch(host="127.0.0.2", password="never-given") as running:
        yield running


@pytest.fixture
def app(settings, db):
    with db.begin() as s:
        create_user(s, "boss", PASSWORD, role="admin")
        create_user(s, "op", PASSWORD, role="operator")
    return make_app(replace(settings, ssh=SshSettings(timeout=6, workers=2)), db)


@pytest.fixture
def vault(settings):
    return Vault.from_settings(settings)


@pytest.fixture
def device(db, vault, switch):
    """The office's switch as an admin set it up: address, SSH user and password."""
    with db.begin() as s:
        site = add_site(s, "S05", "โรงเรียนบ้านนา")
        row = add_device(s, site, "sw-core", switch.host, "switch")
        row.ssh_device_type, row.ssh_username, row.ssh_port = "cisco_ios", "backup", switch.port
        row.ssh_password = vault.encrypt(SSH_PASSWORD)
        return row.id


def token_of(db, username):
    with db.begin() as s:
        return create_token(s, s.scalar(select(User).where(User.username == username)))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def signed_in(app, username):
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def back_up_now(client, device_id) -> str:
    response = client.post(f"/devices/{device_id}/configs/backup")
    assert response.status_code == 302
    return client.get(f"/devices/{device_id}").get_data(as_text=True)


def test_the_operator_s_api_redirect_gets_no_password(app, db, device, switch, harvester):
    op = signed_in(app, "op")
    patch = app.test_client().patch(
        f"/api/v1/devices/{device}",
        json={"address": harvester.host, "ssh_port": harvester.port},
        headers=bearer(token_of(db, "op")),
    )
    assert patch.status_code == 200, patch.get_data(as_text=True)
    assert patch.json["credentials_held"] is True
    assert patch.json["credentials_held_for"] == ["address"]

    page = back_up_now(op, device)

    assert harvester.offered == []  # the attack's whole point: no password reached the host
    assert 'id="credentials-held"' in page
    assert "ผู้ดูแลระบบเท่านั้นที่ยืนยันได้" in page  # the operator cannot lift it
    assert 'id="confirm-credentials"' not in page
    state = op.get(f"/api/v1/devices/{device}").get_json()
    assert state["ssh_state"] == "not_configured"
    assert state["ssh"]["message"].startswith("credentials held: address changed by a non-admin")

    # The operator cannot confirm through the API either.
    refused = app.test_client().post(
        f"/api/v1/devices/{device}/confirm-credentials", headers=bearer(token_of(db, "op"))
    )
    assert refused.status_code == 403

    # An admin's confirmation is what lets the credentials go (here, knowingly, to that host).
    confirmed = app.test_client().post(
        f"/api/v1/devices/{device}/confirm-credentials", headers=bearer(token_of(db, "boss"))
    )
    assert confirmed.status_code == 200
    assert confirmed.json["credentials_held"] is False
    back_up_now(signed_in(app, "boss"), device)
    assert harvester.offered == [("backup", SSH_PASSWORD)]


def test_the_operator_s_form_edit_is_held_and_an_admin_confirms_on_the_device_page(
    app, db, device, switch, harvester
):
    op = signed_in(app, "op")
    with db() as s:
        values = device_admin.public_fields(s, s.get(Device, device))
    form = {
        "site": values["site"],
        "name": values["name"],
        "kind": values["kind"],
        "address": harvester.host,
        "ssh_port": str(harvester.port),
        "ssh_device_type": "cisco_ios",
        "ssh_username": "backup",
        "enabled": "yes",
    }
    saved = op.post(f"/manage/devices/{device}/edit", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    back_up_now(op, device)
    assert harvester.offered == []
    assert 'id="credentials-held"' in op.get(f"/manage/devices/{device}/edit").get_data(
        as_text=True
    )
    listing = op.get("/manage/devices").get_data(as_text=True)
    assert 'id="credentials-waiting"' in listing and "S05/sw-core" in listing

    boss = signed_in(app, "boss")
    page = boss.get(f"/devices/{device}").get_data(as_text=True)
    assert 'id="confirm-credentials"' in page
    assert op.post(f"/manage/devices/{device}/confirm-credentials").status_code == 403
    assert boss.post(f"/manage/devices/{device}/confirm-credentials").status_code == 302
    assert 'id="credentials-held"' not in boss.get(f"/devices/{device}").get_data(as_text=True)


def test_an_admin_s_own_address_change_is_not_held(app, db, device, switch):
    boss_token = token_of(db, "boss")
    moved = app.test_client().patch(
        f"/api/v1/devices/{device}", json={"address": "127.0.0.1"}, headers=bearer(boss_token)
    )
    assert moved.status_code == 200
    assert moved.json["credentials_held"] is False
    page = back_up_now(signed_in(app, "boss"), device)
    assert 'id="credentials-held"' not in page
    assert switch.offered == [("backup", SSH_PASSWORD)]


def test_an_operator_moving_a_device_onto_an_admin_s_profile_is_held(
    app, db, vault, device, harvester
):
    with db.begin() as s:
        profile = SshCredentialProfile(
            name="core-routers",
            username="backup",
            password=vault.encrypt(SSH_PASSWORD),
            created_at=utcnow(),
        )
        s.add(profile)
        site = add_site(s, "S09", "โรงเรียนของผู้ดูแล")
        own = add_device(s, site, "my-box", harvester.host, "switch")
        own.ssh_device_type, own.ssh_port = "cisco_ios", harvester.port
        s.flush()
        profile_id, own_id = profile.id, own.id
    op_token = token_of(db, "op")
    patch = app.test_client().patch(
        f"/api/v1/devices/{own_id}", json={"ssh_profile_id": profile_id}, headers=bearer(op_token)
    )
    assert patch.status_code == 200
    assert patch.json["credentials_held_for"] == ["ssh_profile_id"]
    back_up_now(signed_in(app, "op"), own_id)
    assert harvester.offered == []


def test_an_operator_s_own_typed_password_is_theirs_to_send(app, db, harvester):
    with db.begin() as s:
        add_site(s, "S09", "โรงเรียน")
    created = app.test_client().post(
        "/api/v1/devices",
        json={
            "site": "S09",
            "name": "new-switch",
            "kind": "switch",
            "address": harvester.host,
            "ssh_port": harvester.port,
            "ssh_device_type": "cisco_ios",
            "ssh_username": "admin",
            "ssh_password": "typed-by-the-operator",
        },
        headers=bearer(token_of(db, "op")),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.json["credentials_held"] is False
    back_up_now(signed_in(app, "op"), created.json["id"])
    assert harvester.offered == [("admin", "typed-by-the-operator")]


def test_an_operator_s_import_that_moves_a_device_holds_its_credentials(any_db, settings):
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        site = add_site(s, "S01", "โรงเรียน")
        row = add_device(s, site, "router", "127.0.0.1", "router")
        row.snmp_version, row.snmp_community = "2c", vault.encrypt(COMMUNITY)
    header = ["site", "site_name", "name", "kind", "address"]
    rows = [(2, dict(zip(header, ["S01", "โรงเรียน", "router", "router", "127.0.0.3"])))]
    with any_db.begin() as s:
        importer.import_into(s, header, rows, vault, by_admin=False)
    with any_db.begin() as s:
        device = s.scalar(select(Device))
        assert device.address == "127.0.0.3"
        assert device.credentials_held_for == "address"
        plan = snmp_store.load_plan(s, vault, NOW, inventory_interval=DAY)
        # Not polled: the community is not sent to the new address; the status says why.
        assert plan.poll == [] and plan.inventory == []
        assert [(i, why.split(":")[0]) for i, why in plan.unusable] == [
            (device.id, "credentials held")
        ]
        holds.confirm(s, [device.id])
    with any_db.begin() as s:
        plan = snmp_store.load_plan(s, vault, NOW, inventory_interval=DAY)
        assert [t.credentials.community for t in plan.poll + plan.inventory] == [COMMUNITY]


def test_the_command_line_import_is_trusted_as_an_admin(db, settings):
    vault = Vault.from_settings(settings)
    with db.begin() as s:
        site = add_site(s, "S01", "โรงเรียน")
        row = add_device(s, site, "router", "127.0.0.1", "router")
        row.snmp_version, row.snmp_community = "2c", vault.encrypt(COMMUNITY)
    header = ["site", "site_name", "name", "kind", "address"]
    rows = [(2, dict(zip(header, ["S01", "โรงเรียน", "router", "router", "127.0.0.3"])))]
    importer.import_rows(db, header, rows, vault)
    with db() as s:
        assert s.scalar(select(Device.credentials_held_at)) is None


def test_an_operator_pointing_a_device_at_an_snmp_profile_is_held(any_db, settings):
    vault = Vault.from_settings(settings)
    with any_db.begin() as s:
        s.add(
            SnmpProfile(
                name="schools", version="2c", community=vault.encrypt(COMMUNITY), created_at=NOW
            )
        )
        site = add_site(s, "S01", "โรงเรียน")
        s.flush()
        profile_id = s.scalar(select(SnmpProfile.id))
        own_id = add_device(s, site, "mine", "127.0.0.4", "switch").id
    with any_db.begin() as s:
        device_admin.update_device(s, own_id, {"snmp_profile_id": profile_id}, vault)
    with any_db.begin() as s:
        plan = snmp_store.load_plan(s, vault, NOW, inventory_interval=DAY)
        assert plan.poll == [] and plan.inventory == []
        assert [i for i, _ in plan.unusable] == [own_id]
