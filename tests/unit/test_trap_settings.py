"""The [traps] settings section: off by default, address:port validated, errors naming the key."""

from __future__ import annotations

import pytest

from monitor.settings import ConfigError, load_settings, parse_listen


def test_off_by_default():
    traps = load_settings(environ={}).traps
    assert (traps.listen, traps.queue_size, traps.keep_days) == ("", 1000, 400)
    assert parse_listen(traps.listen) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:1162", ("127.0.0.1", 1162)),
        ("0.0.0.0:162", ("0.0.0.0", 162)),
        ("[::1]:1162", ("::1", 1162)),
        ("[::]:162", ("::", 162)),
    ],
)
def test_listen_is_address_and_port(tmp_path, text, expected):
    path = tmp_path / "ictmon.toml"
    path.write_text(f'[traps]\nlisten = "{text}"\n', encoding="utf-8")
    assert parse_listen(load_settings(path, environ={}).traps.listen) == expected


@pytest.mark.parametrize(
    "value", ["162", "localhost:162", "127.0.0.1:0", "127.0.0.1:70000", "::1:162", "1.2.3.4:x"]
)
def test_a_bad_listen_names_the_key(value):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"ICTMON_TRAPS_LISTEN": value})
    assert "[traps] listen" in str(caught.value)


def test_queue_size_must_be_positive():
    with pytest.raises(ConfigError, match=r"\[traps\] queue_size: must be greater than 0"):
        load_settings(environ={"ICTMON_TRAPS_QUEUE_SIZE": "0"})
