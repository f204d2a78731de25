"""One spelling per instant on the wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from protocols.timefmt import format_time, parse_time


def test_round_trip_truncates_to_the_second():
    moment = datetime(2026, 1, 15, 10, 0, 0, 999_999, tzinfo=UTC)
    assert format_time(moment) == "2026-01-15T10:00:00Z"
    assert parse_time("2026-01-15T10:00:00Z") == moment.replace(microsecond=0)
    assert format_time(datetime(2026, 1, 15, 11, 0, tzinfo=timezone(timedelta(hours=1)))) == "2026-01-15T10:00:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "２０２６-01-15T10:00:00Z",  # full-width digits
        "2026-01-15T10:00:00+00:00",
        "2026-01-15T10:00:00.5Z",
        "2026-01-15t10:00:00z",
        "2026-02-30T10:00:00Z",
        "2026-01-15T24:00:00Z",
        "2026-01-15 10:00:00Z",
        "2026-01-15T10:00:00Z\n",
    ],
)
def test_other_spellings_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - every failure mode of parsing is a ValueError
        parse_time(text)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 15, 10, 0))
