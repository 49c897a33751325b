"""Every page an admin can open, at a phone's 390 px, in Thai and in English: the document is
never wider than the screen (tables may scroll inside their own box), buttons, selects and the
language switch are at least 40 px tall to tap, a Thai page shows no raw
key (`router`, `single_uplink`, `state_down`), and an English page no Thai but what people typed.

The URLs come from `app.url_map` as the authorization matrix builds them (tests/support/hostile.py),
over `seed_every_kind`'s district typed in plain English words ("text 12"), so a Thai character on
an English page or a key on a Thai page can only come from the program. A screenshot of each page
in each language is kept in ICTMON_SCREENSHOT_DIR (/tmp) as ictmon-390-<lang>-<endpoint>.png.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from monitor.domain import DeviceKind, IncidentCause, IncidentState, Status
from monitor.settings import AssetSettings, OfficeSettings, ReportSettings
from tests.browser.conftest import SCREENSHOTS, served
from tests.support.hostile import PASSWORD, plain, route_url, seeded_database
from tests.web.conftest import make_app
from tests.web.seed import seed_heartbeat

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
THAI = re.compile(r"[\u0E00-\u0E7F]")
WORD = re.compile(
    r"(?<![\w./@:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./@-])|(?<![\w./@:-])[a-z]+(?![\w./@:-])"
)
CATALOGUE = Path(__file__).resolve().parents[2] / "monitor/locale/th/LC_MESSAGES/messages.po"
RULES = Path(__file__).resolve().parents[2] / "monitor/risks/default_rules.toml"

# Not pages: downloads, machine answers, a sign-out.
NOT_PAGES = re.compile(r"^/(api/|metrics|static/)|\.(csv|xlsx|pdf|txt|cfg|json)$|/download")


def raw_keys() -> set[str]:
    """What must never show as such on a Thai page: the catalogue's symbolic keys, the values of
    the enums pages translate, and the risk rules' ids."""
    keys = set(re.findall(r'^msgid "([a-z][a-z0-9_]+)"$', CATALOGUE.read_text(), re.M))
    keys = {k for k in keys if "_" in k}
    for enum in (DeviceKind, IncidentCause, IncidentState, Status):
        keys |= {e.value for e in enum}
    keys |= set(tomllib.loads(RULES.read_text()).get("rules", {}))
    return keys


def thai_words(n: int) -> str:
    """Names as a Thai office types them: long words with no space to break at."""
    return f"โรงเรียนบ้านหนองบัวประชาสามัคคีวิทยาคม {n}"


@pytest.fixture(scope="module", params=["th", "en"])
def every_page(request, tmp_path_factory):
    """The district typed in the page's language: long Thai names widen a Thai page the way an
    office's real names do; English names make any Thai on an English page the program's."""
    from tests.browser.conftest import require_chromium

    require_chromium()
    lang = request.param
    typed = {  # what an office types in its configuration, in English like the rest of the seed
        "office": OfficeSettings(name="Hill District Education Office"),
        "assets": AssetSettings(
            acquisition_methods="Specific method, e-bidding", fund_sources="Budget, Donation"
        ),
        "reports": ReportSettings(
            prepared_by="Alice Admin",
            prepared_by_position="Computer technical officer",
            approver_position="Director of the District Office",
        ),
    }
    words = thai_words if lang == "th" else plain
    with seeded_database(tmp_path_factory.mktemp("phone"), words, **typed) as (
        settings,
        factory,
        ids,
    ):
        seed_heartbeat(factory)
        app = make_app(settings, factory, csrf=True)
        # Which URLs answer a page, asked of a twin app (the served one must not have run yet).
        lister = make_app(settings, factory)
        client = lister.test_client()
        client.post("/login", data={"username": ids["users"]["admin"], "password": PASSWORD})
        pages = []
        for rule in sorted(lister.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in ("static", "auth.login"):
                continue
            url = route_url(rule, ids)
            if NOT_PAGES.search(url):
                continue
            answer = client.get(url)
            if answer.status_code == 200 and answer.mimetype == "text/html":
                pages.append((rule.endpoint, url))
        with served(app) as base:
            yield lang, base, ids, pages


@pytest.fixture(scope="module")
def phone(every_page):
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    _, base, ids, _ = every_page
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok", device_scale_factor=1
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/login")
        page.fill("#username", ids["users"]["admin"])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _visible_text(page) -> str:
    # What a person reads: the body's text without what is marked Thai on purpose (the language
    # switch) and without addresses and code (device output, paths).
    return page.evaluate(
        """() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll('[lang="th"], code, pre, script, .failed-address')
                .forEach(e => e.remove());
            return copy.innerText;
        }"""
    )


def _check(page, base, endpoint, url, lang, keys) -> list[str]:
    problems = []
    page.goto(f"{base}{url}{'&' if '?' in url else '?'}lang={lang}")
    page.wait_for_load_state("load")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    if wide > PHONE["width"]:
        culprits = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .filter(e => !e.closest('.table-scroll, .scroll-x'))
                .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                    (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))""",
            PHONE["width"],
        )
        problems.append(f"{lang} {url}: {wide} px wide ({', '.join(culprits)})")
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'main button, main .button, main select, header button, .lang-switch a')]
            .filter(e => e.offsetParent !== null)
            .filter(e => e.getBoundingClientRect().height < 40)
            .slice(0, 3).map(e => e.tagName.toLowerCase() + ' ' + (e.innerText || '').trim()
                .slice(0, 20) + ' ' + Math.round(e.getBoundingClientRect().height) + 'px')"""
    )
    if small:
        problems.append(f"{lang} {url}: tap targets under 40 px: {small}")
    text = _visible_text(page)
    if lang == "en":
        thai = sorted(set(THAI.findall(text)))
        if thai:
            line = next(line for line in text.splitlines() if THAI.search(line))
            problems.append(f"en {url}: Thai on an English page: {line.strip()[:80]!r}")
    else:
        leaked = sorted({w for w in WORD.findall(text) if w in keys})
        if leaked:
            problems.append(f"th {url}: raw keys {leaked}")
    name = endpoint.replace(".", "-")
    page.screenshot(path=f"{SCREENSHOTS}/ictmon-390-{lang}-{name}.png", full_page=True)
    return problems


def test_every_page_fits_a_phone_and_speaks_one_language(every_page, phone):
    lang, base, _, pages = every_page
    assert len(pages) > 20, pages  # the walk really walks
    keys = raw_keys()
    problems = []
    for endpoint, url in pages:
        problems += _check(phone, base, endpoint, url, lang, keys)
    assert problems == [], "\n".join(problems)
