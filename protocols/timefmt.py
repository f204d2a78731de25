"""Timestamps on the wire: RFC 3339 UTC with second precision, exactly `YYYY-MM-DDTHH:MM:SSZ`.

One spelling per instant keeps canonical bytes stable across implementations.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def format_time(moment: datetime) -> str:
    """The wire form of an aware datetime, truncated to the second."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse the wire form; anything else (offsets, fractions, lowercase) raises ValueError."""
    if not isinstance(text, str) or _PATTERN.fullmatch(text) is None:
        raise ValueError("timestamp must look like 2026-01-31T12:00:00Z")
    # The pattern fixed the shape; fromisoformat checks the calendar (no Feb 30, no 24:00).
    return datetime.fromisoformat(text)


def truncate(moment: datetime) -> datetime:
    """`moment` without sub-second precision, so it round-trips through the wire form."""
    return moment.astimezone(UTC).replace(microsecond=0)
