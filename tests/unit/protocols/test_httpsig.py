"""RFC 9421 signatures: the RFC's Ed25519 example byte for byte, and our profile's checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crypto import SigningKey
from protocols.errors import EnvelopeError, HttpSignatureError, ProtocolError, Reason
from protocols.v1 import httpsig
from protocols.v1.httpsig import Headers, HttpRequest

# RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2 (the test request).
B14_SEED = bytes.fromhex("9f8362f87a484a954e6e740c5b4c0e84229139a20aa8ab56ff66586f6a7d29c5")
B14_PUBLIC = bytes.fromhex("26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb")
B26_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");'
    'created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"


def _rfc_request() -> HttpRequest:
    return HttpRequest(
        method="POST",
        url="http://example.com/foo?param=Value&Pet=dog",
        headers=Headers(
            [
                ("Host", "example.com"),
                ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
                ("Content-Type", "application/json"),
                (
                    "Content-Digest",
                    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
                ),
                ("Content-Length", "18"),
            ]
        ),
    )


class _RfcKey(SigningKey):
    """The RFC's key under the RFC's key id (our ids are derived from the key, theirs is a name)."""

    @property
    def kid(self) -> str:
        return "test-key-ed25519"


def test_rfc9421_b26_is_reproduced_byte_for_byte():
    key = _RfcKey(B14_SEED)
    assert key.public.raw == B14_PUBLIC
    request = _rfc_request()
    httpsig.sign_message(
        request,
        key,
        covered=("date", "@method", "@path", "@authority", "content-type", "content-length"),
        created=datetime.fromtimestamp(1618884473, UTC),
        label="sig-b26",
        include_alg=False,
        use_existing_digest=True,
    )
    assert request.headers["Signature-Input"] == B26_SIGNATURE_INPUT
    assert request.headers["Signature"] == B26_SIGNATURE


NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
BODY = b'{"typ":"mla-exchange/envelope+v1"}'
URL = "http://127.0.0.1:8002/federation/v1/envelopes"


@pytest.fixture
def key():
    return SigningKey.generate()


def signed(key, *, body=BODY, url=URL, now=NOW, validity=httpsig.DEFAULT_VALIDITY):
    request = HttpRequest("POST", url, Headers([("Content-Type", "application/json")]))
    httpsig.sign_request(request, key, body=body, now=now, validity=validity)
    return request


def verify(key, request, *, body=BODY, now=NOW, authority="127.0.0.1:8002"):
    def lookup(kid):
        if kid != key.kid:
            raise EnvelopeError(Reason.UNKNOWN_KEY, "not ours")
        return key.public

    return httpsig.verify_request(request, body, lookup, now=now, expected_authority=authority)


def test_profile_round_trip(key):
    request = signed(key)
    result = verify(key, request, now=NOW + timedelta(seconds=10))
    assert result.keyid == key.kid
    assert result.created == NOW
    assert result.expires == NOW + httpsig.DEFAULT_VALIDITY
    assert len(result.nonce) >= 16
    assert result.target_uri == URL
    assert request.headers["Content-Digest"].startswith("sha-256=:")
    assert 'tag="mla-exchange/1"' in request.headers["Signature-Input"]


def test_percent_escaped_targets_are_signed_as_sent(key):
    url = "http://127.0.0.1:8002/federation/v1/envelopes?case=A%2FB"
    request = signed(key, url=url)
    assert verify(key, request).target_uri == url


def _replace(request, name, value):
    request.headers[name] = value
    return request


CASES = [
    ("body changed", lambda k, r: (r, b'{"typ":"other"}', NOW), Reason.DIGEST_MISMATCH),
    (
        "digest changed to match a new body",
        lambda k, r: (_replace(r, "Content-Digest", "sha-256=:" + "A" * 43 + "=:"), BODY, NOW),
        Reason.HTTP_SIGNATURE_INVALID,
    ),
    (
        "method changed",
        lambda k, r: (HttpRequest("PUT", r.url, r.headers), BODY, NOW),
        Reason.HTTP_SIGNATURE_INVALID,
    ),
    (
        "target changed",
        lambda k, r: (HttpRequest("POST", URL + "?x=1", r.headers), BODY, NOW),
        Reason.HTTP_SIGNATURE_INVALID,
    ),
    (
        "content type changed",
        lambda k, r: (_replace(r, "Content-Type", "text/plain"), BODY, NOW),
        Reason.HTTP_SIGNATURE_INVALID,
    ),
    (
        "signature removed",
        lambda k, r: (HttpRequest("POST", r.url, Headers([("Content-Type", "application/json")])), BODY, NOW),
        Reason.HTTP_SIGNATURE_MISSING,
    ),
    ("expired", lambda k, r: (r, BODY, NOW + timedelta(minutes=2)), Reason.HTTP_SIGNATURE_EXPIRED),
    (
        "created in the future",
        lambda k, r: (r, BODY, NOW - timedelta(minutes=2)),
        Reason.HTTP_SIGNATURE_EXPIRED,
    ),
    ("signed by a stranger", lambda k, r: (signed(SigningKey.generate()), BODY, NOW), Reason.UNKNOWN_KEY),
    ("wrong tag", lambda k, r: (_retag(k), BODY, NOW), Reason.HTTP_SIGNATURE_INVALID),
    ("too few components", lambda k, r: (_thin(k), BODY, NOW), Reason.HTTP_SIGNATURE_INVALID),
    ("validity over five minutes", lambda k, r: (_long(k), BODY, NOW), Reason.HTTP_SIGNATURE_INVALID),
    (
        "garbage signature header",
        lambda k, r: (_replace(r, "Signature", "mlax=:AAAA:"), BODY, NOW),
        Reason.HTTP_SIGNATURE_INVALID,
    ),
    (
        "unparseable signature input",
        lambda k, r: (_replace(r, "Signature-Input", "(((("), BODY, NOW),
        Reason.HTTP_SIGNATURE_INVALID,
    ),
]


def _signed(key, *, covered=httpsig.COVERED, validity=timedelta(seconds=60), tag=httpsig.TAG, nonce="n" * 22):
    """A request signed with our profile's parts, one of them changed by the caller."""
    request = HttpRequest("POST", URL, Headers([("Content-Type", "application/json")]))
    httpsig.sign_message(
        request, key, covered=covered, created=NOW, expires=NOW + validity, nonce=nonce, tag=tag, body=BODY
    )
    return request


def _retag(key):
    return _signed(key, tag="other/1")


def _thin(key):
    return _signed(key, covered=("@method", "@target-uri"))


def _long(key):
    return _signed(key, validity=timedelta(hours=1))


@pytest.mark.parametrize(("name", "attack", "reason"), CASES, ids=[c[0] for c in CASES])
def test_profile_refuses(key, name, attack, reason):
    request, body, now = attack(key, signed(key))
    with pytest.raises(ProtocolError) as caught:
        verify(key, request, body=body, now=now)
    assert caught.value.reason == reason, name


def test_a_request_for_another_host_is_refused(key):
    with pytest.raises(HttpSignatureError) as caught:
        verify(key, signed(key), authority="127.0.0.1:9999")
    assert caught.value.reason == Reason.WRONG_AUTHORITY


def test_signing_validity_is_bounded(key):
    with pytest.raises(ValueError, match="5 minutes"):
        signed(key, validity=timedelta(minutes=10))


@pytest.mark.parametrize("nonce", ["short", "n" * 65, "has spaces in it!!!", "dots.are.not.base64url"])
def test_nonces_have_a_bounded_shape(key, nonce):
    request = _signed(key, nonce=nonce)
    with pytest.raises(HttpSignatureError) as caught:
        verify(key, request)
    assert caught.value.reason == Reason.HTTP_SIGNATURE_INVALID
