"""The one canonical byte form: RFC 8785 (JCS), with strict parsing in front of it.

Everything that is signed is signed over `canonical_bytes(value)`. Input from the wire goes
through `parse_strict` first, because `json.loads` silently keeps the last of duplicate keys and
accepts NaN and Infinity: canonicalizing after such a lossy parse would sign something other than
what the sender meant. Integers outside the IEEE-754 safe range (|n| > 2^53 - 1) are refused
rather than rounded; identifiers that large must travel as strings.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from protocols.errors import CanonicalJsonError, Reason

MAX_SAFE_INTEGER = 2**53 - 1
# Deeply nested input can exhaust the parser's stack; no protocol object nests this deep.
MAX_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise CanonicalJsonError(Reason.MALFORMED_JSON, f"{name} is not allowed")


def _parse_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise CanonicalJsonError(Reason.MALFORMED_JSON, "integer outside the safe range (2^53)")
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise CanonicalJsonError(Reason.MALFORMED_JSON, "number is not finite")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalJsonError(Reason.MALFORMED_JSON, f"duplicate key {key!r}")
        result[key] = value
    return result


def _depth(value: Any, limit: int) -> None:
    """Refuse nesting deeper than `limit`: a scalar or empty container is 1, a container 1 + its deepest member.

    Walks level by level and visits containers only (most members are strings).
    """
    level, depth = [value], 1
    while level:
        children: list[Any] = []
        nonempty = False
        for item in level:
            members = item.values() if type(item) is dict else item
            if members:
                nonempty = True
                children.extend(m for m in members if type(m) is dict or type(m) is list)
        if not nonempty:
            return
        depth += 1
        if depth > limit:
            raise CanonicalJsonError(Reason.MALFORMED_JSON, "nesting too deep")
        level = children


def parse_strict(data: bytes | str) -> Any:
    """Parse JSON, refusing duplicate keys, NaN/Infinity, unsafe integers and invalid UTF-8."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CanonicalJsonError(Reason.MALFORMED_JSON, "not UTF-8") from exc
    else:
        text = data
    if text.startswith("\ufeff"):
        raise CanonicalJsonError(Reason.MALFORMED_JSON, "byte order mark is not allowed")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except CanonicalJsonError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalJsonError(Reason.MALFORMED_JSON, "not valid JSON") from exc
    if type(value) is dict or type(value) is list:
        _depth(value, MAX_DEPTH)
    return value


# For values without floats and with ASCII member names, the standard library's C encoder writes
# exactly the RFC 8785 bytes: members sorted by code point (equal to UTF-16 order for ASCII),
# no whitespace, non-ASCII text literal, the same escapes (`\"`, `\\`, `\b \f \n \r \t`, other
# control characters as lowercase `\u00xx`), integers in plain decimal. Everything else (floats,
# non-ASCII member names, unsafe integers) goes through the `rfc8785` reference implementation.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _plain(value: Any) -> bool:
    """Whether `value` holds only what the fast encoder writes exactly as RFC 8785 does."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    if kind is dict:
        for key, member in value.items():
            if type(key) is not str or not key.isascii() or (type(member) is not str and not _plain(member)):
                return False
        return True
    if kind is list:
        for member in value:  # noqa: SIM110 - a plain loop is measurably faster than all() on this path
            if type(member) is not str and not _plain(member):
                return False
        return True
    return False


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    if _plain(value):
        try:
            return _ENCODER.encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate has no UTF-8 form: let the reference implementation refuse it
    try:
        result: bytes = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise CanonicalJsonError(Reason.MALFORMED_JSON, "value has no canonical JSON form") from exc
    return result


def parse_canonical(data: bytes) -> Any:
    """Parse strictly and require that `data` is already in canonical form.

    Signed objects travel in canonical form, so the bytes a receiver hashes are the bytes the
    sender hashed; a non-canonical copy is refused instead of being quietly re-encoded.
    """
    value = parse_strict(data)
    if canonical_bytes(value) != data:
        raise CanonicalJsonError(Reason.NON_CANONICAL_JSON, "input is not in RFC 8785 canonical form")
    return value
