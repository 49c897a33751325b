"""Credential profiles from the command line: an SNMPv3 authPriv profile typed once (secrets from
the environment, never from arguments), assigned to every switch, used by the next SNMP round
against a real snmpd; secrets are stored encrypted and never printed."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from collectors.snmp import SnmpCollector
from monitor.cli.main import main
from monitor.db.models import Device, SnmpProfile, SnmpStatus
from monitor.snmp.rounds import SnmpPoller
from tests.conftest import add_device, add_site
from tests.support.snmp_agents import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, snmpd


def _config(tmp_path, settings):
    path = tmp_path / "ictmon.toml"
    path.write_text(
        f'[database]\nurl = "{settings.database.url}"\n[paths]\n'
        f'data_dir = "{settings.paths.data_dir}"\n',
        encoding="utf-8",
    )
    return str(path)


def test_v3_profile_assigned_by_kind_is_used_by_the_round(db, settings, tmp_path):
    config = _config(tmp_path, settings)
    with snmpd(tmp_path / "snmpd") as agent:
        with db.begin() as s:
            site = add_site(s, "S001")
            switch = add_device(s, site, "sw-core", "127.0.0.1", "switch")
            add_device(s, site, "ap", "127.0.0.1", "ap")
            switch_id = switch.id
        runner = CliRunner()
        env = {"ICTMON_SNMP_AUTH_KEY": V3_AUTH_KEY, "ICTMON_SNMP_PRIV_KEY": V3_PRIV_KEY}
        made = runner.invoke(
            main,
            [
                "--config",
                config,
                "snmp",
                "profile",
                "schools-v3",
                "--version",
                "3",
                "--user",
                V3_USER,
                "--auth-protocol",
                "sha",
                "--priv-protocol",
                "aes",
                "--port",
                str(agent.port),
            ],
            env=env,
        )
        assert made.exit_code == 0, made.output
        assigned = runner.invoke(
            main, ["--config", config, "snmp", "assign", "schools-v3", "--kind", "switch"]
        )
        assert assigned.output.strip() == "1 devices now use profile 'schools-v3'"
        listed = runner.invoke(main, ["--config", config, "snmp", "profiles"])
        assert "schools-v3" in listed.output and "SHA/AES" in listed.output
        assert "devices 1" in listed.output
        for output in (made.output, assigned.output, listed.output):
            assert V3_AUTH_KEY not in output and V3_PRIV_KEY not in output

        poller = SnmpPoller(settings, db, collector=SnmpCollector(timeout=0.5, retries=0))
        try:
            summary = poller.run()
        finally:
            poller.close()
    assert [r.key for r in summary.results] == [switch_id]  # the ap has no SNMP at all
    with db() as s:
        assert s.get(SnmpStatus, switch_id).state == "ok"
        profile = s.execute(select(SnmpProfile)).scalar_one()
        assert V3_AUTH_KEY.encode() not in profile.v3_auth_key  # encrypted at rest
        assert s.get(Device, switch_id).snmp_profile_id == profile.id


def test_short_v3_key_is_refused(db, settings, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "--config",
            _config(tmp_path, settings),
            "snmp",
            "profile",
            "p",
            "--version",
            "3",
            "--user",
            "u",
            "--auth-protocol",
            "SHA",
        ],
        env={"ICTMON_SNMP_AUTH_KEY": "short"},
    )
    assert result.exit_code != 0 and "at least 8 characters" in result.output


def test_device_own_v2c_settings_from_a_hidden_prompt(db, settings, tmp_path):
    with db.begin() as s:
        add_device(s, add_site(s, "S002"), "router", "127.0.0.1", "router")
    result = CliRunner().invoke(
        main,
        [
            "--config",
            _config(tmp_path, settings),
            "snmp",
            "device",
            "S002/router",
            "--version",
            "2c",
        ],
        input="p@ss-community\n",
    )
    assert result.exit_code == 0, result.output
    assert "p@ss-community" not in result.output
    with db() as s:
        device = s.execute(select(Device)).scalar_one()
        assert device.snmp_version == "2c" and b"p@ss-community" not in device.snmp_community
