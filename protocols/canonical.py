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
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise CanonicalJsonError(Reason.MALFORMED_JSON, "nesting too deep")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


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
    _depth(value, MAX_DEPTH)
    return value


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
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
