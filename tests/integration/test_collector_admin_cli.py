"""`ictmon collector create|code|list|revoke` with click's CliRunner against a real SQLite
database: the last line of `create` and `code` is the exact command for the school's machine,
and that code enrols; refusals are one clear line and a non-zero exit; audited as cli:<user>."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli.main import main
from monitor.db.models import AuditEvent
from monitor.edge import enrolment, protocol
from tests.conftest import NOW, add_device, add_site

ENROL_LINE = re.compile(r"^ictmon collector enrol (\S+) --code ([A-Za-z0-9_-]+)$")


@pytest.fixture
def ictmon(settings, db, tmp_path, monkeypatch):
    config = tmp_path / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n'
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n'
        '[web]\nbase_url = "https://ictmon.example.go.th"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("USER", "somchai")
    monkeypatch.setenv("LOGNAME", "somchai")
    with db.begin() as s:
        office = add_site(s, "OFFICE", "Office")
        core = add_device(s, office, "core", "127.0.0.1")
        add_device(s, add_site(s, "S012", "School"), "s012-router", "127.0.12.1", parent=core)
        add_site(s, "S013", "School")

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(config), *args])

    return run


def enrols(db, line: str) -> str:
    match = ENROL_LINE.match(line)
    assert match, line
    with db.begin() as s:
        return enrolment.enrol(s, protocol.EnrolRequest(match.group(2)), now=NOW).name


def test_create_prints_the_enrol_command_last_and_its_code_enrols(ictmon, db):
    done = ictmon("collector", "create", "S012-pi", "--site", "S012", "--site", "S013")
    assert done.exit_code == 0, done.output
    lines = done.output.strip().splitlines()
    assert lines[0] == "created collector S012-pi for sites S012, S013"
    assert lines[-1].startswith("ictmon collector enrol https://ictmon.example.go.th --code ")
    assert enrols(db, lines[-1]) == "S012-pi"
    with db() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "create")).one()
        assert event.actor == "cli:somchai"


def test_url_option_and_a_new_code(ictmon, db):
    ictmon("collector", "create", "S012-pi", "--site", "S012")
    done = ictmon("collector", "code", "S012-pi", "--url", "http://127.0.0.1:8080/")
    assert done.exit_code == 0, done.output
    last = done.output.strip().splitlines()[-1]
    assert last.startswith("ictmon collector enrol http://127.0.0.1:8080 --code ")
    assert enrols(db, last) == "S012-pi"


def test_list_and_revoke(ictmon):
    ictmon("collector", "create", "S012-pi", "--site", "S012")
    listing = ictmon("collector", "list")
    assert listing.exit_code == 0
    assert re.search(r"S012-pi\s+never\s+—", listing.output)
    assert ictmon("collector", "revoke", "S012-pi").output == "revoked collector S012-pi\n"
    assert re.search(r"S012-pi\s+revoked", ictmon("collector", "list").output)
    again = ictmon("collector", "revoke", "S012-pi")
    assert again.exit_code != 0
    assert again.output.strip() == "ictmon: collector 'S012-pi' is revoked already"


@pytest.mark.parametrize(
    "args, message",
    [
        (("create", "x", "--site", "NOPE"), "ictmon: sites: no site 'NOPE'"),
        (("code", "ghost"), "ictmon: no collector named 'ghost'"),
        (("revoke", "ghost"), "ictmon: no collector named 'ghost'"),
    ],
)
def test_refusals_are_one_line(ictmon, args, message):
    done = ictmon("collector", *args)
    assert done.exit_code != 0
    assert done.output.strip() == message


def test_a_site_taken_is_refused(ictmon):
    ictmon("collector", "create", "S012-pi", "--site", "S012")
    done = ictmon("collector", "create", "other", "--site", "S012")
    assert done.exit_code != 0
    assert done.output.strip() == ("ictmon: sites: S012 is measured by collector 'S012-pi' already")
