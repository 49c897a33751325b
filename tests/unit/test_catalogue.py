"""The gettext catalogues (monitor/locale) hold every key the code and templates look up, in both
languages: Babel extracts the keys as a translator's `pybabel extract -F babel.cfg` would, and the
keys built at run time from a prefix and a value are checked against every value they can take."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from collectors.ssh import SshState
from collectors.traps import TrapKind
from monitor import i18n
from monitor.availability.intervals import SITE_RULES
from monitor.configs.versions import NEVER
from monitor.devices.collected import SENSOR_KINDS, SENSOR_STATES
from monitor.devices.inventory import SNMP_STATES
from monitor.devices.profiles import SNMP_SECRETS, SSH_SECRETS
from monitor.devices.register_import import FIELDS
from monitor.discovery.kinds import Confidence
from monitor.discovery.proposal import FIELDS as FIELDS_DISCOVERED
from monitor.domain import (
    AssetCondition,
    DeviceKind,
    IncidentCause,
    IncidentState,
    OutboxStatus,
    RiskCategory,
    RiskLevel,
    RiskStatus,
    Role,
    Status,
)
from monitor.status.queries import LATENCY_RANGES, LEVELS
from web.errors import PAGES

ROOT = Path(__file__).resolve().parents[2]
# The lookups: t()/w() in templates, translate()/word() in Python, _w(lang, key) in the mails.
KEYWORDS = {"t": None, "w": None, "translate": None, "word": None, "_w": (2,)}

# Keys built from a prefix and a value (`'state_' ~ state`, f"kind_{kind}"): Babel cannot see them.
DYNAMIC_KEYS: dict[str, tuple[object, ...]] = {
    "state_": tuple(Status),
    "lasted_": tuple(Status),
    "mail_state_": tuple(Status),
    "level_": (*LEVELS, *RiskLevel),  # the status tiles' levels and the risks' levels
    "kind_": tuple(DeviceKind),
    "condition_": tuple(AssetCondition),
    "asset_field_": FIELDS,
    "cause_": tuple(IncidentCause),
    "inc_state_": tuple(IncidentState),
    "out_": tuple(s for s in OutboxStatus if s != OutboxStatus.SENT),  # the outbox lists unsent
    "rcat_": tuple(RiskCategory),
    "rstatus_": tuple(RiskStatus),
    "acct_role_": tuple(Role),
    "error_title_": PAGES,
    "error_text_": PAGES,
    "cfg_state_": (*SshState, NEVER),
    "snmp_state_": SNMP_STATES,
    "range_": tuple(LATENCY_RANGES),
    "rule_": SITE_RULES,
    "weekday_": tuple(range(7)),
    # values written out where they are used, not held in a constant
    "met_": ("yes", "no", "none"),  # monitor/reports/words.py met_label
    "cfg_fact_": ("model", "serial", "firmware", "uptime"),  # monitor/configs/versions.py
    "cfg_trigger_": ("schedule", "cli"),  # web/configs/views.py trigger_label
    "ev_": ("opened", "acknowledged", "comment", "resolved", "reopened"),  # monitor/incidents
    "raction_": ("created", "edited", "raised", "returned", "proposed_close"),  # monitor/risks
    "manage_action_": ("create", "update", "unchanged"),  # the import preview
    "if_": ("up", "down", "other"),  # web/templates/inventory/_device_snmp.html
    "ups_battery_": ("normal", "low", "depleted", "unknown"),  # collectors/snmp.py
    "acct_locked_": ("username", "address"),  # monitor/accounts/login_limits.py Lock.by
    "acct_session_": ("expired", "ended"),  # web/accounts/auth.py session notices
    "acct_err_": (  # monitor/accounts/users.py UserError codes, and the token label's
        "bad_role",
        "disable_self",
        "empty_username",
        "last_admin",
        "long_display_name",
        "long_label",
        "long_username",
        "mismatch",
        "short_password",
        "username_taken",
        "wrong_current",
    ),
    "manage_secret_": (*SNMP_SECRETS, *SSH_SECRETS),
    "manage_col_": ("purchase_date", "warranty_end", "eol_date"),  # manage/device_form.html
    "sensor_state_": tuple(SENSOR_STATES),  # inventory/_device_health.html
    "sensor_kind_": tuple(SENSOR_KINDS),
    "risk_s_hardware_": tuple(SENSOR_KINDS),  # monitor/risks/rules.py _hardware
    "trap_kind_": tuple(TrapKind),  # web/templates/traps/_device_events.html
    # web/templates/manage/discover*.html, monitor/reports (network changes)
    "discover_state_": ("running", "proposed", "failed", "confirmed", "interrupted"),
    "discover_sure_": tuple(Confidence),
    "discover_source_": ("capabilities", "object_id", "descr", "services", "none"),  # kinds.py
    "discover_field_": FIELDS_DISCOVERED,
    "discover_count_": ("new", "changed", "silent", "unchanged"),
    "discover_heading_": ("new", "changed", "silent", "unchanged"),
    "change_": ("new", "parent_changed"),
}


def _msgids(lang: str) -> set[str]:
    with i18n.po_path(lang).open("rb") as f:
        return {m.id for m in read_po(f, locale=lang) if isinstance(m.id, str) and m.id}


def _used_keys() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found = list(extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS))
    # The risk rules store their words as text(key, **args) (monitor/risks/texts.py); elsewhere a
    # `text(...)` is something else (the importer's cells), so that keyword is for the rules only.
    found += extract_from_dir(
        str(ROOT), [("monitor/risks/**.py", "python")], {}, keywords={"text": None}
    )
    used: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in found:
        key = message if isinstance(message, str) else message[0]
        used.setdefault(key, []).append(f"{filename}:{lineno}")
    return used


def test_thai_and_english_catalogues_hold_the_same_keys():
    th, en = _msgids("th"), _msgids("en")
    assert not th - en, f"only in Thai: {sorted(th - en)}"
    assert not en - th, f"only in English: {sorted(en - th)}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_key_in_code_and_templates_has_an_entry(lang):
    used = _used_keys()
    assert len(used) > 400, "the extraction found almost nothing: is babel.cfg still right?"
    entries = i18n.catalogue(lang)
    missing = {key: where[:3] for key, where in used.items() if key not in entries}
    assert not missing, f"not translated in {lang}: {missing}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_value_of_a_built_key_has_an_entry(lang):
    entries = i18n.catalogue(lang)
    missing = [
        f"{prefix}{value}"
        for prefix, values in DYNAMIC_KEYS.items()
        for value in values
        if f"{prefix}{value}" not in entries
    ]
    assert not missing, f"not translated in {lang}: {missing}"


def test_placeholders_are_the_same_in_both_languages():
    def names(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}

    th, en = i18n.catalogue("th"), i18n.catalogue("en")
    differ = {
        key: (th[key], en[key]) for key in th.keys() & en.keys() if names(th[key]) != names(en[key])
    }
    assert not differ


def test_a_missing_translation_falls_back_to_thai_then_to_the_key(monkeypatch):
    monkeypatch.setattr(i18n, "catalogue", lambda lang: {"th": {"only_th": "ไทย"}, "en": {}}[lang])
    assert i18n.translate("only_th", "en") == "ไทย"
    assert i18n.translate("nowhere", "en") == "nowhere"
