"""core/tracking.py and core/deadlines.py, the pieces Laksa and Sabilulungan share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import deadlines, tracking


def test_codes_avoid_confusable_characters_and_normalise_what_people_type():
    code = tracking.code_new()
    assert len(code) == tracking.LENGTH and not set(code) & set("01IO")
    assert tracking.code_normalise(f" {code[:5].lower()}-{code[5:]} ") == code
    assert tracking.code_display(code) == f"{code[:5]}-{code[5:]}"
    for bad in ("", "short", "O" * 10, None, 12345, "A" * 11):
        assert tracking.code_normalise(bad) == ""


def test_the_key_is_stored_as_a_digest_and_checked_in_constant_time():
    digest = tracking.secret_digest("ABCDEFGH23", "KEY23456")
    assert "KEY23456" not in digest
    assert tracking.secret_matches("ABCDEFGH23", "key23456 ", digest)
    assert not tracking.secret_matches("ABCDEFGH24", "KEY23456", digest)
    assert not tracking.secret_matches("ABCDEFGH23", None, digest)


@pytest.mark.django_db
def test_fingerprints_hide_the_address_and_group_an_ipv6_subscriber():
    first = tracking.client_fingerprint("2001:db8::1", purpose="x")
    assert first == tracking.client_fingerprint("2001:db8::ffff", purpose="x")
    assert first != tracking.client_fingerprint("2001:db8::1", purpose="y")
    assert "192.0.2.1" not in tracking.client_fingerprint("192.0.2.1", purpose="x")


def test_deadlines_from_days_and_hours():
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert deadlines.due_at(start, days=2, hours=3) == start + timedelta(
        days=2, hours=3
    )
    assert deadlines.due_at(start) == start + timedelta(days=deadlines.DEFAULT_DAYS)
    with pytest.raises(ValueError, match="negative"):
        deadlines.due_at(start, days=-1)
    assert deadlines.is_overdue(start, now=start + timedelta(seconds=1))
    assert not deadlines.is_overdue(None)
    assert deadlines.remaining(start, now=start - timedelta(hours=1)) == timedelta(
        hours=1
    )
