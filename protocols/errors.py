"""Protocol errors with stable, machine-readable reason codes.

The code is what travels in a rejected receipt and what tests assert on; the message is for a
human reading a log and may change. Messages never include secrets or decrypted content.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Every reason code a node may put in a rejected receipt or an error response."""

    # Request level (the HTTP exchange itself)
    MALFORMED_REQUEST = "malformed_request"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    BATCH_TOO_LARGE = "batch_too_large"
    HTTP_SIGNATURE_MISSING = "http_signature_missing"
    HTTP_SIGNATURE_INVALID = "http_signature_invalid"
    HTTP_SIGNATURE_EXPIRED = "http_signature_expired"
    DIGEST_MISMATCH = "digest_mismatch"
    REPLAYED_REQUEST = "replayed_request"
    WRONG_AUTHORITY = "wrong_authority"
    # Who is speaking
    UNKNOWN_SENDER = "unknown_sender"
    UNKNOWN_KEY = "unknown_key"
    KEY_NOT_YET_VALID = "key_not_yet_valid"
    KEY_EXPIRED = "key_expired"
    KEY_REVOKED = "key_revoked"
    SENDER_MISMATCH = "sender_mismatch"
    # The envelope
    MALFORMED_JSON = "malformed_json"
    NON_CANONICAL_JSON = "non_canonical_json"
    MALFORMED_ENVELOPE = "malformed_envelope"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"
    UNKNOWN_MESSAGE_TYPE = "unknown_message_type"
    INSTRUMENT_NOT_APPLICABLE = "instrument_not_applicable"
    ENVELOPE_TOO_LARGE = "envelope_too_large"
    ENVELOPE_SIGNATURE_INVALID = "envelope_signature_invalid"
    WRONG_RECIPIENT = "wrong_recipient"
    ENVELOPE_EXPIRED = "envelope_expired"
    ENVELOPE_NOT_YET_VALID = "envelope_not_yet_valid"
    MESSAGE_ID_REUSED = "message_id_reused"
    UNKNOWN_RECIPIENT_KEY = "unknown_recipient_key"
    DECRYPTION_FAILED = "decryption_failed"
    MALFORMED_CONTENT = "malformed_content"
    INNER_SIGNATURE_INVALID = "inner_signature_invalid"
    INNER_BINDING_MISMATCH = "inner_binding_mismatch"
    BODY_INVALID = "body_invalid"
    # Receipts
    RECEIPT_INVALID = "receipt_invalid"
    RECEIPT_SIGNATURE_INVALID = "receipt_signature_invalid"
    RECEIPT_MISMATCH = "receipt_mismatch"
    # The federation directory
    DIRECTORY_MALFORMED = "directory_malformed"
    DIRECTORY_WRONG_FEDERATION = "directory_wrong_federation"
    DIRECTORY_ROLLBACK = "directory_rollback"
    DIRECTORY_EXPIRED = "directory_expired"
    DIRECTORY_NOT_YET_VALID = "directory_not_yet_valid"
    DIRECTORY_UNDER_THRESHOLD = "directory_under_threshold"
    DIRECTORY_INVALID_KEY = "directory_invalid_key"
    # The receiver's own trouble: the sender should retry later
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"


# Reasons after which sending the same bytes again can succeed (our fault or a passing state);
# every other rejection is final for those bytes and the sender stops retrying them.
RETRYABLE_REASONS = frozenset(
    {
        Reason.TEMPORARILY_UNAVAILABLE,
        Reason.REPLAYED_REQUEST,
        Reason.HTTP_SIGNATURE_EXPIRED,
        Reason.HTTP_SIGNATURE_INVALID,
        Reason.DIGEST_MISMATCH,
        Reason.UNKNOWN_SENDER,
        Reason.UNKNOWN_KEY,
        Reason.KEY_NOT_YET_VALID,
        Reason.UNKNOWN_RECIPIENT_KEY,
        Reason.WRONG_AUTHORITY,
    }
)


class ProtocolError(Exception):
    """Base class for protocol errors; carries a stable reason code and a short diagnostic."""

    def __init__(self, reason: Reason, message: str = "") -> None:
        super().__init__(f"{reason}: {message}" if message else str(reason))
        self.reason = reason
        self.message = message or str(reason)


class CanonicalJsonError(ProtocolError):
    """Input is not acceptable JSON for a signed protocol object."""


class EnvelopeError(ProtocolError):
    """An envelope fails one of the receiver's checks."""


class ReceiptError(ProtocolError):
    """A receipt is malformed, does not verify, or does not answer the envelope it should."""


class DirectoryError(ProtocolError):
    """A federation directory is malformed or may not replace the one we trust."""


class HttpSignatureError(ProtocolError):
    """An RFC 9421 signature or its RFC 9530 digest does not hold."""
