"""What the REST API reads and writes, as marshmallow schemas (also its OpenAPI components).

Message bodies are free-form objects here on purpose: each message type has its own template
(`protocols/v1/templates`), checked by the service layer field by field, and described by
`GET /api/v1/templates/{message_type}`.
"""

from __future__ import annotations

import re
import unicodedata

from marshmallow import Schema, ValidationError, fields, validate

from exchange.auth.models import AuthorityKind, Role
from exchange.requests import workflow as wf
from exchange.requests.models import Direction, MessageState
from protocols.text import BIDI_CONTROLS
from protocols.v1.i18n import LANGUAGES


def _no_controls(allow_newlines: bool) -> validate.Validator:
    """Refuse control and bidirectional-override characters in names and references: they make
    a name look like another on a screen or a printed page (a spoofed authority, a forged reference)."""

    def check(value: str) -> bool:
        for char in value:
            if allow_newlines and char in "\n\t":
                continue
            if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
                raise ValidationError("control or direction-changing characters are not allowed here")
        return True

    return validate.And(check)


PLAIN = _no_controls(allow_newlines=False)
USERNAME = validate.Regexp(r"\A[a-z0-9][a-z0-9._@-]*\Z", flags=re.IGNORECASE, error="letters, digits and . _ @ - only")
PROSE = _no_controls(allow_newlines=True)
UUID = validate.Regexp(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
STATES = sorted(set(wf.OUTGOING) | set(wf.INCOMING))


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"description": "A stable code, e.g. invalid_body, forbidden."})
    message = fields.String(required=True, metadata={"description": "For people; may change between releases."})
    field_errors = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "Field-level errors, by field name (nested objects nest)."},
    )


class Error(Schema):
    """The one shape of every error the API returns."""

    error = fields.Nested(ErrorDetail, required=True)


class Approval(Schema):
    role = fields.String(required=True)
    user = fields.String(required=True)
    name = fields.String(required=True)
    authority = fields.String(required=True)
    at = fields.String(required=True)


class VerificationOut(Schema):
    signer_node = fields.String(required=True)
    signer_kid = fields.String(allow_none=True)
    rechecked = fields.Boolean(required=True)
    detail = fields.String(required=True)


class MessageOut(Schema):
    id = fields.String(required=True)
    case_id = fields.String(required=True)
    position = fields.Integer(required=True)
    direction = fields.String(required=True, validate=validate.OneOf([Direction.OUTGOING, Direction.INCOMING]))
    message_type = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(MessageState.ALL))
    language = fields.String(required=True)
    drafted_by = fields.String(allow_none=True)
    drafted_at = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    return_comment = fields.String(allow_none=True)
    approvals = fields.List(fields.Nested(Approval), required=True)
    envelope_id = fields.String(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(allow_none=True)
    version = fields.Integer(required=True)
    body = fields.Dict(
        allow_none=True,
        metadata={"description": "The message's body (its template's fields); null in lists and after actions."},
    )
    verification = fields.Nested(
        VerificationOut,
        allow_none=True,
        metadata={"description": "For incoming messages: whether the signatures and approval chain hold."},
    )


class CaseOut(Schema):
    id = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf([Direction.OUTGOING, Direction.INCOMING]))
    peer_node = fields.String(required=True)
    instrument = fields.String(required=True)
    request_type = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    our_reference = fields.String(allow_none=True)
    their_reference = fields.String(allow_none=True)
    title = fields.String(required=True)
    authority_id = fields.String(allow_none=True)
    assigned_user_id = fields.String(allow_none=True)
    conversation_id = fields.String(allow_none=True)
    urgent = fields.Boolean(required=True)
    requested_by = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(allow_none=True)
    deadline_kind = fields.String(allow_none=True)
    deadline_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)


class CaseDetailOut(CaseOut):
    messages = fields.List(fields.Nested(MessageOut), required=True)


class TransitionOut(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String(required=True)
    actor = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    note = fields.String(allow_none=True)


class CaseFilter(Schema):
    direction = fields.String(validate=validate.OneOf([Direction.OUTGOING, Direction.INCOMING]))
    state = fields.String(validate=validate.OneOf(STATES))
    peer = fields.String(validate=validate.Length(min=1, max=32))
    overdue = fields.Boolean(metadata={"description": "Only cases whose current deadline has passed."})


class NewRequest(Schema):
    recipient = fields.String(required=True, validate=validate.Length(min=1, max=32))
    message_type = fields.String(
        required=True,
        validate=validate.OneOf(["request.mla", "request.eio", "request.jit_proposal", "info.spontaneous"]),
    )
    body = fields.Dict(required=True)
    title = fields.String(validate=[validate.Length(max=300), PLAIN])


class NewRequestOut(Schema):
    case = fields.Nested(CaseOut, required=True)
    message = fields.Nested(MessageOut, required=True)


class NewMessage(Schema):
    message_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    body = fields.Dict(required=True)


class DraftUpdate(Schema):
    body = fields.Dict(required=True)


class ReturnComment(Schema):
    comment = fields.String(required=True, validate=[validate.Length(min=1, max=5000), PROSE])


class Registration(Schema):
    our_reference = fields.String(required=True, validate=[validate.Length(min=1, max=128), PLAIN])


class Routing(Schema):
    authority_id = fields.String(required=True, validate=UUID)
    assignee_id = fields.String(validate=UUID, allow_none=True)


class PendingOut(Schema):
    message = fields.Nested(MessageOut, required=True)
    case = fields.Nested(CaseOut, required=True)


class ReminderOut(Schema):
    id = fields.Integer(required=True)
    case_id = fields.String(required=True)
    deadline_kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    level = fields.String(required=True, validate=validate.OneOf(["due_soon", "overdue"]))
    created_at = fields.AwareDateTime(required=True)
    case_title = fields.String(required=True)


class AuthorityOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(AuthorityKind.ALL))
    jurisdiction = fields.String(allow_none=True)
    parent_id = fields.String(allow_none=True)
    languages = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)


class NewAuthority(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=300), PLAIN])
    kind = fields.String(required=True, validate=validate.OneOf(AuthorityKind.ALL))
    jurisdiction = fields.String(validate=[validate.Length(max=64), PLAIN], allow_none=True)
    parent_id = fields.String(validate=UUID, allow_none=True)
    languages = fields.List(fields.String(validate=validate.OneOf(list(LANGUAGES))), load_default=list)


class UserOut(Schema):
    id = fields.String(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    email = fields.String(allow_none=True)
    authority_id = fields.String(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(Role.ALL)), required=True)
    language = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    last_login_at = fields.AwareDateTime(allow_none=True)
    version = fields.Integer(required=True)


class UserFilter(Schema):
    authority_id = fields.String(validate=UUID)
    role = fields.String(validate=validate.OneOf(Role.ALL))


class NewUser(Schema):
    username = fields.String(required=True, validate=[validate.Length(min=1, max=120), USERNAME])
    display_name = fields.String(required=True, validate=[validate.Length(min=1, max=200), PLAIN])
    authority_id = fields.String(required=True, validate=UUID)
    roles = fields.List(
        fields.String(validate=validate.OneOf(Role.ALL)), required=True, validate=validate.Length(min=1)
    )
    language = fields.String(load_default="en", validate=validate.OneOf(list(LANGUAGES)))
    email = fields.Email(allow_none=True)
    password = fields.String(
        load_only=True, validate=validate.Length(min=12, max=1024), metadata={"description": "Local accounts only."}
    )


class UserUpdate(Schema):
    roles = fields.List(fields.String(validate=validate.OneOf(Role.ALL)), validate=validate.Length(min=1))
    authority_id = fields.String(validate=UUID)
    active = fields.Boolean()
    display_name = fields.String(validate=[validate.Length(min=1, max=200), PLAIN])
    language = fields.String(validate=validate.OneOf(list(LANGUAGES)))


class TokenOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class AuditEventOut(Schema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    outcome = fields.String(required=True)
    details = fields.Dict(required=True)


class AuditFilter(Schema):
    action = fields.String(validate=validate.Length(min=1, max=64))
    actor = fields.String(validate=validate.Length(min=1, max=120))
    object_id = fields.String(validate=validate.Length(min=1, max=64))
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class ChainOut(Schema):
    events = fields.Integer(required=True)
    intact = fields.Boolean(required=True)
    broken_at = fields.Integer(allow_none=True)


class PeerOut(Schema):
    id = fields.String(required=True)
    country = fields.String(required=True)
    name = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    instrument = fields.String(
        required=True,
        validate=validate.OneOf(["mla", "eio"]),
        metadata={
            "description": "How a request to this member is made: an EIO between two states bound by "
            "Directive 2014/41/EU, otherwise MLA."
        },
    )


class LanguageQuery(Schema):
    lang = fields.String(load_default="en", validate=validate.OneOf(list(LANGUAGES)))


class TemplateField(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(required=True)
    many = fields.Boolean(required=True)
    choices = fields.List(fields.Dict(), metadata={"description": "Allowed codes with their labels."})
    subfields = fields.List(
        fields.Dict(), attribute="fields", data_key="fields", metadata={"description": "Sub-fields of an object."}
    )
    variants = fields.Dict(metadata={"description": "Per-code sub-fields (the details each measure needs)."})


class TemplateOut(Schema):
    message_type = fields.String(required=True)
    label = fields.String(required=True)
    language = fields.String(required=True)
    template_fields = fields.List(fields.Nested(TemplateField), attribute="fields", data_key="fields", required=True)


class MeOut(UserOut):
    authority_name = fields.String(required=True)
