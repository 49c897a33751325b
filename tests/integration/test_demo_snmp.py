"""The demo district answers SNMP: `ictmon demo`'s set-up gives every device SNMP settings and a
recording, its snmpsim answers on the devices' own 127.20.x.y addresses, and one round fills the
inventory with models and serials and the UPSes with battery state."""

from __future__ import annotations

from collectors.snmp import SnmpCollector
from monitor.db import engine as dbmod
from monitor.demo.district import prepare_demo
from monitor.demo.snmp import running_agents
from monitor.devices.inventory import inventory_rows
from monitor.settings import load_settings
from monitor.snmp.rounds import SnmpPoller
from tests.support.snmp_agents import require_snmpsim


def test_demo_devices_answer_snmp_with_their_profiles(tmp_path):
    require_snmpsim()
    prepared = prepare_demo(tmp_path / "demo", port=18080)
    settings = load_settings(prepared.config_path, environ={})
    engine = dbmod.make_engine(settings.database.url)
    sessions = dbmod.session_factory(engine)
    messages = []
    try:
        with running_agents(tmp_path / "demo", announce=messages.append):
            assert messages == ["SNMP agents simulated by snmpsim: 45 devices"]
            # One snmpsim process answers all 45 devices: on a loaded machine an answer can take
            # longer than a second. A silent agent still fails, only later.
            poller = SnmpPoller(settings, sessions, collector=SnmpCollector(timeout=3, retries=1))
            try:
                summary = poller.run()
            finally:
                poller.close()
        assert len(summary.results) == 45
        assert all(r.ok for r in summary.results), [
            (r.address, r.error) for r in summary.results if not r.ok
        ]
        with sessions() as session:
            rows = {(r.site_code, r.name): r for r in inventory_rows(session)}
        core = rows[("OFFICE", "core-switch")]
        assert core.collected_model == "Cisco C9300-48P" and core.vendor == "Cisco"
        assert core.collected_serial.startswith("SN") and core.firmware == "17.9.4"
        assert not core.model_differs  # typed (import) and collected agree
        ups = rows[("S001", "ups")]
        assert ups.vendor == "APC" and ups.snmp_state == "ok"
        assert rows[("S003", "sw-core")].uptime_seconds > 86400
    finally:
        engine.dispose()
