"""The acknowledge link's token: only this installation's key makes one, it names one incident
and one route, and it stops working at its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.incidents.ack_tokens import (
    TTL,
    AckLinkError,
    Links,
    key_from_secret,
    sign,
    verify,
)

KEY = key_from_secret("a long enough web secret key for the tests, 1234567890")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@given(
    incident=st.integers(min_value=1, max_value=2**31),
    route=st.text(min_size=1, max_size=200),
)
def test_a_token_gives_back_what_was_signed(incident, route):
    claim = verify(KEY, sign(KEY, incident, route, NOW + TTL), NOW)
    assert (claim.incident_id, claim.route, claim.expires) == (incident, route, NOW + TTL)


def test_expired_at_the_second():
    token = sign(KEY, 7, "ch:1", NOW + timedelta(hours=1))
    verify(KEY, token, NOW + timedelta(minutes=59, seconds=59))
    with pytest.raises(AckLinkError, match="expired"):
        verify(KEY, token, NOW + timedelta(hours=1))


@given(position=st.integers(min_value=0, max_value=10_000), char=st.sampled_from("AbZ09-_."))
def test_any_changed_character_is_tampering(position, char):
    token = sign(KEY, 7, "mail:oncall@district.example", NOW + TTL)
    i = position % len(token)
    changed = token[:i] + char + token[i + 1 :]
    if changed == token:
        return
    with pytest.raises(AckLinkError) as refused:
        verify(KEY, changed, NOW)
    assert refused.value.reason == "tampered"


def test_another_installations_key_cannot_make_one():
    other = key_from_secret("another installation's secret key, also long enough")
    with pytest.raises(AckLinkError, match="tampered"):
        verify(KEY, sign(other, 7, "ch:1", NOW + TTL), NOW)


def test_links_without_a_key_or_address_carry_no_acknowledge_link():
    assert Links("https://ictmon.example", None, NOW).ack(7, "ch:1") == ""
    assert Links("", KEY, NOW).ack(7, "ch:1") == ""
    link = Links("https://ictmon.example/", KEY, NOW).ack(7, "ch:1")
    assert link.startswith("https://ictmon.example/ack/")
    assert verify(KEY, link.rsplit("/", 1)[1], NOW).incident_id == 7
