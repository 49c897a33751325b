"""[web] base_url is put in front of every link an alert carries (and of its acknowledge
link): only an absolute http(s) address is accepted, and the file says which key is wrong."""

from __future__ import annotations

import pytest

from monitor.settings import ConfigError, WebSettings


@pytest.mark.parametrize(
    "url",
    ["", "https://ictmon.district.go.th", "http://127.0.0.1:8080", "https://x.example/ictmon/"],
)
def test_accepted(url):
    assert WebSettings(base_url=url).base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "ictmon.district.go.th",
        "ftp://ictmon.example",
        "https://",
        "https://user:pw@ictmon.example",
        "https://ictmon.example/?next=1",
        "https://ictmon.example/#top",
        "https://ictmon .example",
        "https://ictmon.example:http",
        "javascript:alert(1)",
    ],
)
def test_refused_naming_the_key(url):
    with pytest.raises(ConfigError, match=r"\[web\] base_url"):
        WebSettings(base_url=url)
