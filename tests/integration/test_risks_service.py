"""Risk rules end to end: `ictmon run` in a namespace, a school router silenced twice (nft drop)
→ two incidents → the scheduled rules put one "repeated outages" risk in the register, with both
incidents linked, as the API shows it."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_service import ALL_UP, PORT, SCHOOL_ONE, SETTLE_S, Service
from tests.support.waiting import wait_until

pytestmark = pytest.mark.netns

ROUTER_DOWN = {"S001/router": "down"}
RULES = """
[rules.repeated_outages]
check = "repeated_outages"
count = 2
window_days = 30
min_observed_days = 0     # the service runs for a minute: judge it anyway
likelihood = 3
impact = 3
impact_by_kind = { router = 5 }
"""


def api(service: Service, path: str):
    status, body = service.ns.http_get(
        f"http://127.0.0.1:{PORT}{path}", headers={"Authorization": f"Bearer {service.token}"}
    )
    assert status == 200, body
    return json.loads(body)


@pytest.fixture
def service(netns, tmp_path):
    svc = Service(netns, tmp_path)
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    svc.config.write_text(
        svc.config.read_text(encoding="utf-8")
        + '\n[risks]\nrules_file = "rules.toml"\nevaluate_interval = 1\n',
        encoding="utf-8",
    )
    svc.setup()
    svc.start()
    yield svc
    if svc.process and svc.process.poll() is None:
        svc.stop()


def test_a_router_down_twice_becomes_one_repeated_outages_risk(service):
    service.wait_for(ALL_UP, within=SETTLE_S)
    for _ in range(2):
        service.ns.silence(*SCHOOL_ONE)
        service.wait_for(ROUTER_DOWN, within=SETTLE_S)
        service.ns.restore(*SCHOOL_ONE)
        service.wait_for(ALL_UP, within=SETTLE_S)
    incidents = sorted(
        i["id"] for i in api(service, "/api/v1/incidents") if i["device"] == "router"
    )
    assert len(incidents) == 2

    wait_until(lambda: api(service, "/api/v1/risks"), within=30, what="a risk in the register")
    service.wait_for_runs("risk-rules", 2, within=30)  # more evaluations: still one risk
    [risk] = api(service, "/api/v1/risks")
    assert (risk["rule"], risk["device"], risk["site"], risk["status"]) == (
        "repeated_outages",
        "router",
        "S001",
        "open",
    )
    assert (risk["likelihood"], risk["impact"], risk["score"], risk["level"]) == (3, 5, 15, "high")
    assert risk["evidence"]["incidents"] == incidents
