"""A NUL character (\\0) in an import file: PostgreSQL refuses it in any text, so it must be refused
before it reaches a query — `ictmon import` says so in one line and writes nothing, on SQLite and
on PostgreSQL alike. (The web's NUL refusals are swept in tests/web/test_hostile_strings.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from monitor.db.models import Device, Site
from monitor.devices.importer import ImportRejected, import_file
from monitor.secrets import Vault
from tests.conftest import POSTGRES_ADMIN_URL
from tests.integration.test_cli import ictmon

HEADER = "site,site_name,name,address,kind,parent,ssh_password,notes"
CLEAN = ["S001", "โรงเรียนบ้านหนองบัว", "router", "127.50.1.1", "router", "", "pw", "note"]


def _with_nul(column: int) -> str:
    cells = list(CLEAN)
    cells[column] = cells[column][:2] + "\x00" + cells[column][2:]
    return HEADER + "\n" + ",".join(cells) + "\n"


# Every column but ssh_password: a credential is kept only encrypted, so its bytes never reach a
# query as text.
TEXT_COLUMNS = [i for i, name in enumerate(HEADER.split(",")) if name != "ssh_password"]


@pytest.mark.parametrize("column", TEXT_COLUMNS, ids=[HEADER.split(",")[i] for i in TEXT_COLUMNS])
def test_a_nul_in_any_cell_is_refused_and_nothing_is_written(any_db, settings, tmp_path, column):
    path = tmp_path / "district.csv"
    path.write_text(_with_nul(column), encoding="utf-8")

    with pytest.raises(ImportRejected) as refused:
        import_file(any_db, path, Vault.from_settings(settings))

    assert "line 2" in str(refused.value)
    with any_db() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 0
        assert s.scalar(select(func.count()).select_from(Site)) == 0


@pytest.mark.postgres
def test_ictmon_import_on_postgresql_refuses_a_nul_in_one_line(tmp_path, postgres_engine):
    if isinstance(postgres_engine, Exception):
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} not reachable: {postgres_engine}")
    url = postgres_engine.url.render_as_string(hide_password=False)
    config = tmp_path / "ictmon.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[paths]\ndata_dir = "data"\n', encoding="utf-8")
    csv = tmp_path / "district.csv"
    csv.write_text(_with_nul(1), encoding="utf-8")  # in the site's name

    ictmon("init", "--admin-password", "long-enough-1", config=config, cwd=tmp_path)
    done = ictmon("import", str(csv), config=config, cwd=tmp_path)

    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "line 2" in done.stderr and "nothing imported" in done.stderr
