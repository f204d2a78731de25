"""Our RFC 9421 HTTP Message Signatures profile, on the `http-message-signatures` library.

Every federation request carries one signature, label `mlax`, algorithm `ed25519`, covering

    "@method" "@target-uri" "@authority" "content-type" "content-digest"

with parameters `created`, `expires` (at most 5 minutes later), `nonce`, `keyid`, `alg` and
`tag="mla-exchange/1"`. The body is bound through an RFC 9530 `Content-Digest` (sha-256).

Signing and verification go through our own Ed25519 algorithm class so that every signature in
the system is made by `crypto` (PyNaCl); the library contributes the signature base and the
Structured Fields handling. Verification takes the time as a parameter instead of reading the
clock, and the receiver checks the nonce against its replay store *after* the signature holds,
so nobody can burn a nonce they could not sign.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureAlgorithm,
    HTTPSignatureKeyResolver,
    InvalidSignature,
)
from http_message_signatures.digests import ContentDigest
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from crypto import SignatureError, SigningKey, VerifyKey
from crypto.tokens import random_token
from protocols.errors import HttpSignatureError, ProtocolError, Reason

LABEL = "mlax"
TAG = "mla-exchange/1"
COVERED = ("@method", "@target-uri", "@authority", "content-type", "content-digest")
DEFAULT_VALIDITY = timedelta(seconds=60)
MAX_VALIDITY = timedelta(minutes=5)
# How far a peer's clock may run ahead of ours before its `created` looks like the future.
CLOCK_SKEW = timedelta(seconds=30)
# Nonces are random base64url tokens; bounding their shape keeps the replay store's keys small.
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class Ed25519(HTTPSignatureAlgorithm):
    """RFC 9421 section 3.3.6 `ed25519`, computed by `crypto` rather than by `cryptography`."""

    algorithm_id = "ed25519"

    def __init__(self, public_key: Any = None, private_key: Any = None) -> None:
        self.public_key: VerifyKey | None = public_key
        self.private_key: SigningKey | None = private_key

    def sign(self, message: bytes) -> bytes:
        if self.private_key is None:
            raise HTTPMessageSignaturesException("no private key")
        return self.private_key.sign(message)

    def verify(self, signature: bytes, message: bytes) -> None:
        if self.public_key is None:
            raise InvalidSignature("no public key")
        try:
            self.public_key.verify(message, signature)
        except SignatureError as exc:
            raise InvalidSignature("signature does not verify") from exc


class Headers(MutableMapping[str, str]):
    """Ordered header fields, case-insensitive, keeping repeated lines (the library's message view)."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._pairs: list[tuple[str, str]] = list(pairs)

    def items(self) -> Any:
        return list(self._pairs)

    def __getitem__(self, name: str) -> str:
        values = [v for k, v in self._pairs if k.lower() == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __setitem__(self, name: str, value: str) -> None:
        self._pairs = [(k, v) for k, v in self._pairs if k.lower() != name.lower()]
        self._pairs.append((name, value))

    def __delitem__(self, name: str) -> None:
        before = len(self._pairs)
        self._pairs = [(k, v) for k, v in self._pairs if k.lower() != name.lower()]
        if len(self._pairs) == before:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._pairs))

    def __len__(self) -> int:
        return len(dict.fromkeys(k.lower() for k, _ in self._pairs))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k.lower() == name.lower() for k, _ in self._pairs)


@dataclass
class HttpRequest:
    """What the signature covers of a request: method, the encoded absolute URL, header fields."""

    method: str
    url: str
    headers: Headers = field(default_factory=Headers)


@dataclass(frozen=True)
class VerifiedRequest:
    """What a verified signature vouches for."""

    keyid: str
    created: datetime
    expires: datetime
    nonce: str
    authority: str
    target_uri: str


class _Resolver(HTTPSignatureKeyResolver):
    def __init__(self, lookup: Callable[[str], VerifyKey] | None = None, key: SigningKey | None = None) -> None:
        self._lookup = lookup
        self._key = key
        self.error: ProtocolError | None = None

    def resolve_public_key(self, key_id: str) -> VerifyKey | None:
        if self._lookup is None:
            return None
        try:
            return self._lookup(key_id)
        except ProtocolError as exc:
            # The library wraps resolver errors; keep ours so the caller sees its reason code.
            self.error = exc
            raise

    def resolve_private_key(self, key_id: str) -> SigningKey:
        if self._key is None or self._key.kid != key_id:
            raise HTTPMessageSignaturesException("no private key for this key id")
        return self._key


def new_nonce() -> str:
    return random_token(16)


def sign_message(
    message: HttpRequest,
    key: SigningKey,
    *,
    covered: Iterable[str],
    created: datetime,
    label: str = LABEL,
    expires: datetime | None = None,
    nonce: str | None = None,
    tag: str | None = None,
    include_alg: bool = True,
    body: bytes | None = None,
    use_existing_digest: bool = False,
) -> None:
    """Add Signature-Input and Signature (and Content-Digest when `body` is given) to `message`."""
    signer = HTTPMessageSigner(signature_algorithm=Ed25519, key_resolver=_Resolver(key=key))
    signer.sign(
        message,
        key_id=key.kid,
        created=created,
        expires=expires,
        nonce=nonce,
        label=label,
        tag=tag,
        include_alg=include_alg,
        covered_component_ids=tuple(covered),
        body=body,
        use_existing_digest=use_existing_digest,
    )


def sign_request(
    message: HttpRequest,
    key: SigningKey,
    *,
    body: bytes,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
) -> None:
    """Sign a federation request with our profile; `now` is the signing time."""
    if not timedelta(0) < validity <= MAX_VALIDITY:
        raise ValueError("signature validity must be positive and at most 5 minutes")
    for name in [n for n in message.headers if n.lower() == "content-digest"]:
        del message.headers[name]
    sign_message(
        message,
        key,
        covered=COVERED,
        created=now,
        expires=now + validity,
        nonce=new_nonce(),
        tag=TAG,
        body=body,
    )


class _Verifier(HTTPMessageVerifier):
    """The library's verifier with our clock and our rules for `created` and `expires`."""

    def __init__(self, *, now: datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._now = now

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        params = sig_input.params
        for name in ("created", "expires", "nonce", "keyid", "alg"):
            if name not in params:
                raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, f"signature parameter {name} is missing")
        if not isinstance(params["nonce"], str) or NONCE.fullmatch(params["nonce"]) is None:
            raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, "nonce must be 16 to 64 base64url characters")
        created, expires = params["created"], params["expires"]
        if not isinstance(created, int) or not isinstance(expires, int) or isinstance(created, bool):
            raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, "created and expires must be integers")
        if not 0 < expires - created <= MAX_VALIDITY.total_seconds():
            raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, "signature validity must be at most 5 minutes")
        now = self._now.timestamp()
        if created > now + CLOCK_SKEW.total_seconds():
            raise HttpSignatureError(Reason.HTTP_SIGNATURE_EXPIRED, "signature is created in the future")
        if expires < now - CLOCK_SKEW.total_seconds():
            raise HttpSignatureError(Reason.HTTP_SIGNATURE_EXPIRED, "signature has expired")


def verify_request(
    message: HttpRequest,
    body: bytes,
    lookup_key: Callable[[str], VerifyKey],
    *,
    now: datetime,
    expected_authority: str | None = None,
) -> VerifiedRequest:
    """Receiver steps 1 and 2: the HTTP signature with our profile, then the body digest.

    `lookup_key` maps a key id to a public key or raises ProtocolError (unknown key or sender);
    whether that key was *valid* at `created` is step 4, left to the caller with the result.
    """
    headers = message.headers
    if "signature-input" not in headers or "signature" not in headers:
        raise HttpSignatureError(Reason.HTTP_SIGNATURE_MISSING, "request is not signed")
    resolver = _Resolver(lookup=lookup_key)
    verifier = _Verifier(now=now, signature_algorithm=Ed25519, key_resolver=resolver)
    try:
        results = verifier.verify(message, max_age=None, expect_tag=TAG, require_components=COVERED)
    except HttpSignatureError:
        raise
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        if resolver.error is not None:
            raise resolver.error from exc
        raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, "HTTP signature does not verify") from exc
    if len(results) != 1:
        raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, "expected exactly one signature with our tag")
    result = results[0]
    # Step 2: the signed Content-Digest must match the bytes we received.
    try:
        if not ContentDigest.verify_components(result.covered_components, body):
            raise HttpSignatureError(Reason.DIGEST_MISMATCH, "Content-Digest is not signed")
    except InvalidSignature as exc:
        raise HttpSignatureError(Reason.DIGEST_MISMATCH, "Content-Digest does not match the body") from exc
    params = result.parameters
    authority = result.covered_components['"@authority"']
    if expected_authority is not None and authority != expected_authority:
        raise HttpSignatureError(Reason.WRONG_AUTHORITY, "request was signed for another host")
    if params.get("alg") != Ed25519.algorithm_id:
        raise HttpSignatureError(Reason.HTTP_SIGNATURE_INVALID, "unexpected algorithm")
    return VerifiedRequest(
        keyid=str(params["keyid"]),
        created=datetime.fromtimestamp(int(params["created"]), UTC),
        expires=datetime.fromtimestamp(int(params["expires"]), UTC),
        nonce=str(params["nonce"]),
        authority=authority,
        target_uri=result.covered_components['"@target-uri"'],
    )
