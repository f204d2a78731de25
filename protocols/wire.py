"""Small typed readers for parsed JSON objects, each failing with the caller's reason code.

Parsing wire objects by hand (rather than with a schema library) keeps every accepted shape
explicit, gives mypy real types, and lets each failure carry the reason code of the object
being read (envelope, content, receipt or directory).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crypto.encoding import b64url_decode
from protocols.errors import ProtocolError, Reason
from protocols.timefmt import parse_time

NODE_ID = re.compile(r"[A-Z][A-Z0-9_-]{1,31}")
MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KEY_ID = re.compile(r"(ed25519|x25519):[A-Za-z0-9_-]{22}")


class Reader:
    """Reads fields from one JSON object, raising ProtocolError(reason) with the field's path."""

    def __init__(self, value: Any, reason: Reason, path: str = "") -> None:
        if not isinstance(value, Mapping):
            raise ProtocolError(reason, f"{path or 'value'} must be an object")
        self._value: Mapping[str, Any] = value
        self._reason = reason
        self._path = path

    def _where(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name

    def fail(self, name: str, problem: str) -> ProtocolError:
        return ProtocolError(self._reason, f"{self._where(name)} {problem}")

    def only(self, *names: str) -> None:
        """Refuse members we do not know: an unknown member in a signed object is an error."""
        extra = sorted(set(self._value) - set(names))
        if extra:
            raise ProtocolError(self._reason, f"{self._path or 'object'} has unknown members {extra}")

    def has(self, name: str) -> bool:
        return name in self._value and self._value[name] is not None

    def raw(self, name: str) -> Any:
        if name not in self._value:
            raise self.fail(name, "is missing")
        return self._value[name]

    def text(self, name: str, *, pattern: re.Pattern[str] | None = None, max_len: int = 256) -> str:
        value = self.raw(name)
        if not isinstance(value, str):
            raise self.fail(name, "must be a string")
        if not value or len(value) > max_len:
            raise self.fail(name, f"must be 1 to {max_len} characters")
        if pattern is not None and pattern.fullmatch(value) is None:
            raise self.fail(name, "has the wrong format")
        return value

    def optional_text(self, name: str, *, pattern: re.Pattern[str] | None = None, max_len: int = 256) -> str | None:
        if name not in self._value or self._value[name] is None:
            return None
        return self.text(name, pattern=pattern, max_len=max_len)

    def const(self, name: str, expected: str, reason: Reason | None = None) -> str:
        value = self.raw(name)
        if value != expected:
            raise ProtocolError(reason or self._reason, f"{self._where(name)} must be {expected!r}")
        return expected

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 2**53 - 1) -> int:
        value = self.raw(name)
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            raise self.fail(name, f"must be an integer between {minimum} and {maximum}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.fail(name, "must be true or false")
        return value

    def timestamp(self, name: str) -> datetime:
        try:
            return parse_time(self.raw(name))
        except ValueError as exc:
            raise self.fail(name, "must be a UTC timestamp like 2026-01-31T12:00:00Z") from exc

    def optional_timestamp(self, name: str) -> datetime | None:
        if name not in self._value or self._value[name] is None:
            return None
        return self.timestamp(name)

    def binary(self, name: str, *, size: int | None = None, max_size: int | None = None) -> bytes:
        value = self.raw(name)
        try:
            data = b64url_decode(value)
        except ValueError as exc:
            raise self.fail(name, "must be unpadded base64url") from exc
        if size is not None and len(data) != size:
            raise self.fail(name, f"must decode to {size} bytes")
        if max_size is not None and len(data) > max_size:
            raise self.fail(name, f"must decode to at most {max_size} bytes")
        return data

    def obj(self, name: str) -> Reader:
        return Reader(self.raw(name), self._reason, self._where(name))

    def items(self, name: str, *, max_items: int = 1000, min_items: int = 0) -> list[Any]:
        value = self.raw(name)
        if not isinstance(value, list) or not min_items <= len(value) <= max_items:
            raise self.fail(name, f"must be a list of {min_items} to {max_items} items")
        return value

    def objects(self, name: str, *, max_items: int = 1000, min_items: int = 0) -> list[Reader]:
        items = self.items(name, max_items=max_items, min_items=min_items)
        return [Reader(item, self._reason, f"{self._where(name)}[{i}]") for i, item in enumerate(items)]

    def strings(self, name: str, *, max_items: int = 100, pattern: re.Pattern[str] | None = None) -> list[str]:
        items = self.items(name, max_items=max_items)
        for item in items:
            if not isinstance(item, str) or (pattern is not None and pattern.fullmatch(item) is None):
                raise self.fail(name, "must be a list of well-formed strings")
        return list(items)

    def value(self) -> Mapping[str, Any]:
        return self._value
