"""Body schemas of the v1 message types that nodes can exchange today.

Each schema checks the structured body that travels inside the encrypted, signed content. Free
text is kept as written, with the language it was written in (a BCP 47 tag), because a receiving
prosecutor must see the original beside any translation. Unknown fields are refused.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

# BCP 47 tags as used in the region: language, optional script, optional region (sr-Cyrl, sq-XK, cnr-Latn).
LANGUAGE_TAG = validate.Regexp(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?\Z", error="Not a BCP 47 language tag.")
REFERENCE = validate.Length(min=1, max=128)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class CalendarDate(fields.Date):
    """A date written exactly `YYYY-MM-DD`: one spelling per date, as everywhere on the wire."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or _ISO_DATE.match(value) is None:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(fields.Integer):
    """A JSON integer and nothing else: not `"12"`, not `12.5`, not `true` (one spelling per value)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class YesNo(fields.Boolean):
    """JSON `true` or `false` and nothing else: not `"yes"`, not `1`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


FREE_TEXT = validate.Length(min=1, max=20_000)


class _Body(Schema):
    """Base of the bodies below: a member not listed is refused."""

    class Meta:
        unknown = RAISE


class StatusQuery(_Body):
    """UNTOC Art. 18(24): the requesting side asks how a request is progressing."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(validate=REFERENCE)
    question = fields.String(required=True, validate=FREE_TEXT)
    language = fields.String(required=True, validate=LANGUAGE_TAG)


class StatusReply(_Body):
    """The executing side's answer to a status query."""

    STATES = (
        "received",
        "registered",
        "under_examination",
        "in_execution",
        "partially_executed",
        "executed",
        "postponed",
        "refused",
    )

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(validate=REFERENCE)
    state = fields.String(required=True, validate=validate.OneOf(STATES), metadata={"enum": "status_state"})
    message = fields.String(required=True, validate=FREE_TEXT)
    language = fields.String(required=True, validate=LANGUAGE_TAG)
    expected_completion = CalendarDate()


class Consultation(_Body):
    """EIO Arts 6(3), 11(4); UNTOC 18(26): a threaded exchange between the authorities."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(validate=REFERENCE)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    text = fields.String(required=True, validate=FREE_TEXT)
    language = fields.String(required=True, validate=LANGUAGE_TAG)


@cache
def _instance(schema: type[Schema]) -> Schema:
    # Schemas hold no per-call state when validating; one instance per class saves building the
    # field machinery again for every message.
    return schema()


def body_errors(schema: type[Schema], body: Any) -> dict[str, Any]:
    """Field-level errors for `body` under `schema`; empty when the body is valid."""
    if not isinstance(body, dict):
        return {"_schema": ["Body must be an object."]}
    errors: dict[str, Any] = _instance(schema).validate(body)
    return errors


class Missing(str):
    """An error message that says only that something must still be filled in (see `draft_errors`)."""

    __slots__ = ()


# What marshmallow itself says about a required field that is absent.
MARSHMALLOW_MISSING = "Missing data for required field."


def draft_errors(schema: type[Schema], body: Any) -> dict[str, Any]:
    """Errors that a draft may not have: wrong types, unknown fields, bad codes. What is merely
    missing is left for the drafter to fill in; `body_errors` insists on it when the draft is
    submitted."""
    if not isinstance(body, dict):
        return {"_schema": ["Body must be an object."]}
    errors: dict[str, Any] = _instance(schema).validate(body, partial=True)
    kept: dict[str, Any] = _without_missing(errors)
    return kept


def _without_missing(errors: Any) -> Any:
    if isinstance(errors, dict):
        kept = {key: _without_missing(value) for key, value in errors.items()}
        return {key: value for key, value in kept.items() if value not in ({}, [], None)}
    if isinstance(errors, list):
        return [item for item in (_without_missing(value) for value in errors) if item not in ({}, [], None)]
    if isinstance(errors, Missing) or errors == MARSHMALLOW_MISSING:
        return None
    return errors
