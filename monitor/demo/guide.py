"""What `ictmon demo` (and scripts/demo) prints: where to look, and how to run other commands
against the demo's own configuration."""

from __future__ import annotations

from monitor.demo.district import LIVE_OUTAGE_ADDRESS, PreparedDemo


def guide_lines(prepared: PreparedDemo, port: int, *, live_outage: bool) -> list[str]:
    base = f"http://127.0.0.1:{port}"
    config = prepared.config_path.resolve()
    lines = [
        "",
        "What to look at:",
        f"  {base}/                 the status page (every school a tile, worst first)",
        f"  {base}/incidents        60 days of incidents with the officer's notes",
        f"  {base}/reports          last month's report (PDF and Excel), kept and mailed",
        f"  {base}/risks            risks the rules found in that history",
        f"  {base}/demo/mail        the mail ictmon sent (alerts, recoveries, the report)",
    ]
    if live_outage:
        lines.append(
            f"  in about 2 minutes the router {LIVE_OUTAGE_ADDRESS} (S003) goes silent for 3 "
            "minutes: watch its tile turn red, the incident open and the alert arrive"
        )
    if prepared.history is not None:
        h = prepared.history
        lines.append(
            f"  history written: {h.incidents} incidents, {h.windows} maintenance window(s), "
            f"{h.risks} risk change(s), report kept for {h.report or 'no month'}"
        )
    lines += [
        "",
        "Any other command against the demo: add its config, e.g.",
        f"  ictmon --config {config} report --month <YYYY-MM> --out report.pdf",
        f"  ictmon --config {config} risks evaluate",
        f"  ictmon --config {config} check-config",
        "",
    ]
    return lines
