"""docs/protocol.md and its worked example (docs/example/): the files verify, and the doc shows them.

The example is made by docs/make_example.py with published keys. These tests check every signature
and hash in it with the reference code (including the sender's checks of 7.3 and 8.3), recompute
the sealing by hand, check that the copies in protocol.md are byte-identical to the files, that the
reason-code table and the limits quoted agree with the code, and that running the generator again
gives the same bytes (so neither the files nor the doc can drift from the code without a test
failing). Tampering with any file makes at least one test fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import re
import sys
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crypto import EncryptionKey, SigningKey, VerifyKey, _nacl
from crypto.encoding import b64url_decode, b64url_encode
from crypto.kdf import hkdf_sha256
from crypto.keys import key_id
from protocols.canonical import canonical_bytes, parse_strict
from protocols.errors import RETRYABLE_REASONS, DirectoryError, EnvelopeError, HttpSignatureError, Reason, ReceiptError
from protocols.timefmt import parse_time
from protocols.v1 import httpsig
from protocols.v1.directory import parse_directory, verify_anchor
from protocols.v1.envelope import open_envelope, parse_envelope, parse_envelope_bytes, verify_content, verify_envelope
from protocols.v1.receipt import Status, parse_receipt_bytes, verify_receipt

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLE = DOCS / "example"
DOC = DOCS / "protocol.md"
SEED_PREFIX = "mla-exchange/1 example: "
AUTHORITY = "127.0.0.1:8702"
INFO = b"mla-exchange/1 envelope body"
MARKER = re.compile(r"<!-- example: (?P<name>[\w.-]+)(?: (?P<mode>pretty|head))? -->\n```[a-z]*\n")
REQUIRED_BLOCKS = {
    ("keyid", None),
    ("keys.json", None),
    ("directory.json", None),
    ("content.json", None),
    ("header.json", None),
    ("values.json", None),
    ("envelope.json", None),
    ("http-request.txt", "head"),
    ("signature-base.txt", None),
    ("http-response.txt", None),
    ("receipt.json", None),
    ("receipt-duplicate.json", None),
    ("receipt-request-rejected.json", None),
}


# -- loading ------------------------------------------------------------------------------------


@cache
def example_files() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(EXAMPLE.iterdir()) if path.is_file()}


def file(name: str) -> bytes:
    return example_files()[name]


def values() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(file("values.json"))
    return result


def private_key(label: str) -> SigningKey | EncryptionKey:
    entry = next(k for k in json.loads(file("keys.json"))["keys"] if k["label"] == label)
    secret = b64url_decode(entry["private_seed_b64url"])
    return SigningKey(secret) if entry["alg"] == "ed25519" else EncryptionKey(secret)


def signing(label: str) -> SigningKey:
    key = private_key(label)
    assert isinstance(key, SigningKey)
    return key


def encryption(label: str) -> EncryptionKey:
    key = private_key(label)
    assert isinstance(key, EncryptionKey)
    return key


def t_created():
    return parse_time(values()["times"]["envelope_created"])


def t_send():
    return parse_time(values()["times"]["http_signed_and_received"])


def t_repeat():
    return parse_time(values()["times"]["repeat_signed_and_received"])


def directory():
    return parse_directory(file("directory.json"))


def envelope():
    return parse_envelope_bytes(file("envelope.json"))


def http_message(name: str = "http-request.txt") -> tuple[list[str], list[tuple[str, str]], bytes]:
    """(start line, header fields, body) of an example HTTP message (LF line ends in the file)."""
    head, _, body = file(name).partition(b"\n\n")
    start, *lines = head.decode("ascii").split("\n")
    fields = [(name.strip(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    return start.split(" "), fields, body


def received_request(fields: list[tuple[str, str]] | None = None) -> tuple[httpsig.HttpRequest, bytes]:
    """The request as the receiver sees it: http:// + Host + the request target, all header lines."""
    start, parsed_fields, body = http_message()
    fields = parsed_fields if fields is None else fields
    method, target, _version = start
    host = dict(fields)["Host"]
    return httpsig.HttpRequest(method, f"http://{host}{target}", httpsig.Headers(fields)), body


def sender_checks() -> dict[str, Any]:
    """What BA, the sender, checks of a receipt for its envelope (protocol.md 7.3 items 2 to 6)."""
    header = envelope().header
    return {
        "receiver": "RS",
        "envelope_id": header.id,
        "envelope_sha256": envelope().sha256,
        "envelope_sender": "BA",
        "lifetime": (header.created, header.expires),
    }


def lookup(kid: str) -> VerifyKey:
    _node, key = directory().signing_key(kid)
    return VerifyKey(key.public)


@cache
def make_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_example", DOCS / "make_example.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_example", module)
    spec.loader.exec_module(module)
    return module


# -- keys ---------------------------------------------------------------------------------------


def test_example_keys_follow_the_published_seed_rule():
    entries = json.loads(file("keys.json"))["keys"]
    assert {e["label"] for e in entries} >= {
        "governance-1",
        "governance-2",
        "governance-3",
        "BA signing",
        "RS encryption",
    }
    for entry in entries:
        seed = hashlib.sha256((SEED_PREFIX + entry["label"]).encode("utf-8")).digest()
        assert b64url_decode(entry["private_seed_b64url"]) == seed == bytes.fromhex(entry["private_seed_hex"])
        key = private_key(entry["label"])
        assert key.public.to_text() == entry["public_key"]
        assert key.kid == entry["kid"] == key_id(entry["alg"], key.public.raw)
        assert entry["private_key_text"] == f"{entry['alg']}:{entry['private_seed_b64url']}"


def test_keyid_example_in_the_doc_is_the_computation():
    doc = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: keyid -->\n```text\n(.*?)\n```", doc, re.S)
    assert match, "protocol.md lost its key id example"
    lines = dict(line.split(" = ", 1) for line in match.group(1).split("\n"))
    shown = {name.strip(): value.strip() for name, value in lines.items()}
    alg, public = shown["alg"], bytes.fromhex(shown["public_key (hex)"])
    hash_input = alg.encode("ascii") + b"\x00" + public
    digest = hashlib.sha256(hash_input).digest()
    assert shown["hash input (hex)"] == hash_input.hex()
    assert shown["SHA-256 (hex)"] == digest.hex()
    assert shown["first 16 bytes (hex)"] == digest[:16].hex()
    assert shown["key id"] == f"{alg}:{b64url_encode(digest[:16])}" == key_id(alg, public)
    assert shown["key id"] == signing("BA signing").kid


# -- directory ------------------------------------------------------------------------------------


def test_directory_is_canonical_and_signed_two_of_three():
    parsed = directory()
    assert parsed.raw == file("directory.json")
    assert parsed.signed_bytes == file("directory-signed.json")
    assert canonical_bytes({k: v for k, v in parse_strict(file("directory.json")).items() if k != "signatures"}) == (
        file("directory-signed.json")
    )
    result = verify_anchor(parsed, t_created())
    assert result.threshold == 2
    assert result.valid == {signing("governance-1").kid, signing("governance-2").kid}
    assert not result.invalid
    assert not result.unknown
    assert signing("governance-3").kid not in {s.kid for s in parsed.signatures}
    for label in ("governance-1", "governance-2"):
        sig = next(s.signature for s in parsed.signatures if s.kid == signing(label).kid)
        signing(label).public.verify(file("directory-signed.json"), sig)


def test_directory_lists_the_example_node_keys():
    parsed = directory()
    assert [node.id for node in parsed.nodes] == ["BA", "RS"]
    assert parsed.node("RS").endpoint == f"http://{AUTHORITY}"
    assert parsed.encryption_key_for("RS", t_created()) == encryption("RS encryption").public
    for node in ("BA", "RS"):
        assert {k.kid for k in parsed.node(node).keys} == {
            signing(f"{node} signing").kid,
            encryption(f"{node} encryption").kid,
        }


# -- envelope -------------------------------------------------------------------------------------


def test_envelope_outer_signature_holds():
    parsed = envelope()
    assert parsed.raw == file("envelope.json")
    assert parsed.signed_bytes == file("envelope-signed.json")
    sender = verify_envelope(parsed, directory(), our_node="RS", now=t_send())
    assert sender.id == "BA"
    signing("BA signing").public.verify(file("envelope-signed.json"), parsed.signature)
    assert parsed.header.sender_key == signing("BA signing").kid
    assert parsed.header.recipient_key == encryption("RS encryption").kid


def test_envelope_opens_with_the_rs_key_and_its_content_verifies():
    parsed = envelope()
    rs = encryption("RS encryption")
    content = open_envelope(parsed, {rs.kid: rs})
    verify_content(content, parsed.header, directory())
    assert content.raw == file("content.json")
    assert content.signed_bytes == file("content-signed.json")
    signing("BA signing").public.verify(file("content-signed.json"), content.signature)
    assert content.body["question"].startswith("Какав је статус")
    assert content.body["language"] == "sr-Cyrl"
    assert canonical_bytes(parse_strict(file("content.json"))) == file("content.json")


def test_header_file_is_the_associated_data():
    header = parse_strict(file("envelope.json"))["header"]
    assert canonical_bytes(header) == file("header.json") == canonical_bytes(envelope().header.to_json())
    assert len(header) == 12


def test_sealing_is_reproduced_from_the_published_values():
    sealing = values()["sealing"]
    sealed = parse_strict(file("envelope.json"))["sealed"]
    epk, nonce, ciphertext = (b64url_decode(sealed[name]) for name in ("epk", "nonce", "ciphertext"))
    ephemeral = bytes.fromhex(sealing["ephemeral_secret_hex"])
    rs = encryption("RS encryption")
    recipient = rs.public.raw
    # The recipient's view and the sender's view of the shared secret.
    shared = _nacl.x25519(rs.secret, epk)
    assert shared == _nacl.x25519(ephemeral, recipient) == bytes.fromhex(sealing["shared_secret_hex"])
    assert _nacl.x25519_public(ephemeral) == epk == bytes.fromhex(sealing["ephemeral_public_hex"])
    salt = epk + recipient
    assert salt.hex() == sealing["hkdf_salt_hex"]
    assert sealing["hkdf_info"].encode() == INFO
    # HKDF-SHA-256 by hand (RFC 5869, one block) and by the project's function.
    prk = hmac.new(salt, shared, hashlib.sha256).digest()
    key = hmac.new(prk, INFO + b"\x01", hashlib.sha256).digest()
    assert prk.hex() == sealing["hkdf_prk_hex"]
    assert key == hkdf_sha256(shared, salt=salt, info=INFO, length=32) == bytes.fromhex(sealing["aead_key_hex"])
    assert nonce.hex() == sealing["aead_nonce_hex"]
    # Sender side: the same inputs give the same ciphertext; receiver side: it opens.
    aad, plaintext = file("header.json"), file("content.json")
    assert _nacl.xchacha20poly1305_encrypt(key, nonce, aad, plaintext) == ciphertext
    assert _nacl.xchacha20poly1305_decrypt(key, nonce, aad, ciphertext) == plaintext
    assert len(ciphertext) == len(plaintext) + 16 == sealing["ciphertext_length"]
    assert ciphertext[-16:].hex() == sealing["tag_hex"]
    assert hashlib.sha256(aad).hexdigest() == sealing["aad_sha256_hex"]


def test_envelope_hash_values():
    digest = hashlib.sha256(file("envelope.json")).digest()
    assert values()["envelope"]["sha256_hex"] == digest.hex()
    assert values()["envelope"]["sha256_b64url"] == b64url_encode(digest)
    assert envelope().signature.hex() == values()["envelope"]["signature_hex"]


# -- receipts ---------------------------------------------------------------------------------------


def test_accepted_receipt_verifies_for_the_envelope():
    receipt = parse_receipt_bytes(file("receipt.json"))
    assert receipt.raw == file("receipt.json")
    assert receipt.signed_bytes == file("receipt-signed.json")
    sha = hashlib.sha256(file("envelope.json")).digest()
    verify_receipt(receipt, directory(), **sender_checks(), now=t_send())
    assert receipt.status == Status.ACCEPTED
    assert receipt.request_digest is None
    assert b'"request_digest":null' in file("receipt-signed.json")
    assert receipt.envelope_sha256 == sha == envelope().sha256
    assert receipt.envelope_sender == "BA"
    assert receipt.received == t_send()
    signing("RS signing").public.verify(file("receipt-signed.json"), receipt.signature)


def test_duplicate_receipt_carries_the_original_unchanged():
    duplicate = parse_receipt_bytes(file("receipt-duplicate.json"))
    verify_receipt(duplicate, directory(), **sender_checks(), now=t_repeat())
    assert duplicate.status == Status.DUPLICATE
    assert duplicate.received == t_repeat()
    assert duplicate.original is not None
    assert duplicate.original.raw == file("receipt.json")
    assert duplicate.proof.raw == file("receipt.json")


def test_receipts_are_refused_outside_the_senders_time_checks():
    """7.3 items 6 and 7: a proof of delivery is dated within the envelope's lifetime and, read live, now."""
    receipt = parse_receipt_bytes(file("receipt.json"))
    verify_receipt(receipt, directory(), **sender_checks(), now=t_send() + timedelta(minutes=5))
    with pytest.raises(ReceiptError) as caught:
        verify_receipt(receipt, directory(), **sender_checks(), now=t_send() + timedelta(minutes=5, seconds=1))
    assert caught.value.reason == Reason.RECEIPT_MISMATCH
    header = envelope().header
    later = {**sender_checks(), "lifetime": (header.created + timedelta(minutes=5, seconds=3), header.expires)}
    with pytest.raises(ReceiptError) as caught:
        verify_receipt(receipt, directory(), **later)
    assert caught.value.reason == Reason.RECEIPT_MISMATCH
    with pytest.raises(ReceiptError) as caught:
        verify_receipt(receipt, directory(), **{**sender_checks(), "envelope_sender": "HR"})
    assert caught.value.reason == Reason.RECEIPT_MISMATCH


def test_request_rejection_names_the_request_it_refuses():
    rejection = parse_receipt_bytes(file("receipt-request-rejected.json"))
    assert rejection.raw == file("receipt-request-rejected.json")
    assert rejection.status == Status.REJECTED
    assert rejection.reason == Reason.REPLAYED_REQUEST
    assert (rejection.envelope_id, rejection.envelope_sha256, rejection.envelope_sender) == (None, None, None)
    _start, fields, _body = http_message()
    assert rejection.request_digest == dict(fields)["Content-Digest"] == values()["http"]["content_digest"]
    assert rejection.request_digest == values()["receipt"]["repeat_content_digest"]
    assert rejection.received == t_repeat()
    verify_receipt(rejection, directory(), receiver="RS", now=t_repeat())
    # It is a possible receipt for the envelope too (a rejection may name no envelope), 7.3.
    verify_receipt(rejection, directory(), **sender_checks(), now=t_repeat())


def test_a_sender_acts_on_a_request_rejection_only_for_its_own_request():
    """8.3 item 3, with the reference sender's own code: the digest it sent, signed by the peer, dated now."""
    from types import SimpleNamespace

    from exchange.federation.delivery import Claimed, RequestRefused, _outcomes
    from exchange.federation.transport import PeerResponse, TransportError

    payload = parse_strict(file("receipt-request-rejected.json"))
    status = values()["receipt"]["request_rejection_http_status"]
    sent = values()["receipt"]["repeat_content_digest"]
    claimed = [Claimed("outbox-row", file("envelope.json"), envelope().sha256)]

    def outcome(now, sent_digest):
        node = SimpleNamespace(directory=SimpleNamespace(current=directory), clock=SimpleNamespace(now=lambda: now))
        return _outcomes(node, "RS", PeerResponse(status, payload, 1, sent_digest), claimed)

    with pytest.raises(RequestRefused) as refused:
        outcome(t_repeat(), sent)
    assert refused.value.reason == Reason.REPLAYED_REQUEST
    other = "sha-256=:" + base64.b64encode(hashlib.sha256(b"another body").digest()).decode() + ":"
    for now, sent_digest in ((t_repeat(), other), (t_repeat(), None), (t_repeat() + timedelta(minutes=6), sent)):
        with pytest.raises(TransportError):
            outcome(now, sent_digest)


def test_http_response_holds_the_receipt():
    start, fields, body = http_message("http-response.txt")
    assert start[:2] == ["HTTP/1.1", "200"]
    assert dict(fields) == {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Exchange-Directory-Version": "1",
    }
    assert body == file("receipt.json")


# -- the HTTP request ------------------------------------------------------------------------------


def test_http_request_signature_verifies():
    request, body = received_request()
    assert body == file("envelope.json")
    verified = httpsig.verify_request(request, body, lookup, now=t_send(), expected_authority=AUTHORITY)
    assert verified.keyid == signing("BA signing").kid
    assert verified.created == t_send()
    assert verified.expires == t_send() + timedelta(seconds=60)
    assert verified.nonce == values()["http"]["nonce"]
    assert verified.target_uri == f"http://{AUTHORITY}/federation/v1/envelopes"
    headers = dict(request.headers.items())
    assert headers["Content-Digest"] == "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Content-Type"] == "application/json"
    assert headers["Exchange-Directory-Version"] == "1"


def test_signature_base_is_rebuilt_by_hand_and_signed_by_ba():
    request, _body = received_request()
    headers = dict(request.headers.items())
    label, _, params = headers["Signature-Input"].partition("=")
    assert label == "mlax"
    assert params.startswith('("@method" "@target-uri" "@authority" "content-type" "content-digest");')
    base = "\n".join(
        [
            '"@method": POST',
            f'"@target-uri": {request.url}',
            f'"@authority": {AUTHORITY}',
            f'"content-type": {headers["Content-Type"]}',
            f'"content-digest": {headers["Content-Digest"]}',
            f'"@signature-params": {params}',
        ]
    ).encode("ascii")
    assert base == file("signature-base.txt")
    signature_label, _, encoded = headers["Signature"].partition("=")
    assert signature_label == "mlax"
    assert encoded.startswith(":")
    assert encoded.endswith(":")
    signing("BA signing").public.verify(base, base64.b64decode(encoded[1:-1], validate=True))
    for name in ("created", "expires"):
        assert f";{name}={values()['http'][name]}" in params


def test_http_request_is_only_valid_in_its_window():
    request, body = received_request()
    for offset in (-30, 90):
        httpsig.verify_request(
            request, body, lookup, now=t_send() + timedelta(seconds=offset), expected_authority=AUTHORITY
        )
    for offset in (-31, 91):
        with pytest.raises(HttpSignatureError) as caught:
            httpsig.verify_request(
                request, body, lookup, now=t_send() + timedelta(seconds=offset), expected_authority=AUTHORITY
            )
        assert caught.value.reason == Reason.HTTP_SIGNATURE_EXPIRED
    with pytest.raises(HttpSignatureError) as caught:
        httpsig.verify_request(request, body, lookup, now=t_send(), expected_authority="127.0.0.1:8701")
    assert caught.value.reason == Reason.WRONG_AUTHORITY


# -- tampering ---------------------------------------------------------------------------------------


def _flip_char(text: str, index: int) -> str:
    """`text` with one base64url character replaced by another (the spelling stays canonical)."""
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1 :]


def test_a_flipped_ciphertext_byte_breaks_the_envelope_signature():
    document = parse_strict(file("envelope.json"))
    document["sealed"]["ciphertext"] = _flip_char(document["sealed"]["ciphertext"], 100)
    with pytest.raises(EnvelopeError) as caught:
        verify_envelope(parse_envelope(document), directory(), our_node="RS", now=t_send())
    assert caught.value.reason == Reason.ENVELOPE_SIGNATURE_INVALID


def test_a_changed_header_does_not_open_even_when_re_signed():
    """The header is the associated data: re-signing an altered header (here with BA's own published
    key) passes the outer signature but not the decryption."""
    document = parse_strict(file("envelope.json"))
    document["header"]["expires"] = "2026-01-28T10:00:00Z"
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    document["signature"]["sig"] = b64url_encode(signing("BA signing").sign(canonical_bytes(unsigned)))
    altered = parse_envelope(document)
    verify_envelope(altered, directory(), our_node="RS", now=t_send())
    rs = encryption("RS encryption")
    with pytest.raises(EnvelopeError) as caught:
        open_envelope(altered, {rs.kid: rs})
    assert caught.value.reason == Reason.DECRYPTION_FAILED


def test_a_changed_receipt_no_longer_verifies():
    tampered = file("receipt.json").replace(b'"received":"2026-01-15T10:00:02Z"', b'"received":"2026-01-15T10:00:01Z"')
    assert tampered != file("receipt.json")
    with pytest.raises(ReceiptError) as caught:
        verify_receipt(
            parse_receipt_bytes(tampered),
            directory(),
            receiver="RS",
            envelope_id=envelope().header.id,
            envelope_sha256=envelope().sha256,
        )
    assert caught.value.reason == Reason.RECEIPT_SIGNATURE_INVALID


def test_a_changed_directory_falls_under_the_threshold():
    tampered = file("directory.json").replace(
        b'"endpoint":"http://127.0.0.1:8702"', b'"endpoint":"http://127.0.0.1:9999"'
    )
    assert tampered != file("directory.json")
    with pytest.raises(DirectoryError) as caught:
        verify_anchor(parse_directory(tampered), t_created())
    assert caught.value.reason == Reason.DIRECTORY_UNDER_THRESHOLD


def test_a_changed_http_body_or_signed_header_is_refused():
    request, body = received_request()
    altered = body.replace(b'"type":"status.query"', b'"type":"status.reply"', 1)
    assert altered != body
    with pytest.raises(HttpSignatureError) as caught:
        httpsig.verify_request(request, altered, lookup, now=t_send(), expected_authority=AUTHORITY)
    assert caught.value.reason == Reason.DIGEST_MISMATCH
    _start, fields, _body = http_message()
    changed = [(n, v.replace("created=", "created=1") if n == "Signature-Input" else v) for n, v in fields]
    request, body = received_request(changed)
    with pytest.raises(HttpSignatureError):
        httpsig.verify_request(request, body, lookup, now=t_send(), expected_authority=AUTHORITY)


# -- the document ---------------------------------------------------------------------------------------


def _blocks(doc: str) -> list[tuple[str, str | None, str]]:
    blocks = []
    for match in MARKER.finditer(doc):
        end = doc.index("```", match.end())
        blocks.append((match["name"], match["mode"], doc[match.end() : end]))
    return blocks


def test_every_example_block_of_the_doc_is_byte_identical_to_its_file():
    doc = DOC.read_text(encoding="utf-8")
    blocks = _blocks(doc)
    assert {(name, mode) for name, mode, _ in blocks} >= REQUIRED_BLOCKS
    for name, mode, shown in blocks:
        if name == "keyid":
            continue  # checked by test_keyid_example_in_the_doc_is_the_computation
        data = file(name)
        assert shown.endswith("\n"), f"{name}: block must end with a line break before the fence"
        if mode is None:
            assert shown.encode("utf-8") in (data, data + b"\n"), f"protocol.md shows another {name}"
        elif mode == "head":
            assert data.startswith(shown.encode("utf-8") + b"\n"), f"protocol.md shows another head of {name}"
            assert data.split(b"\n\n", 1)[0] + b"\n" == shown.encode("utf-8")
        else:
            assert json.loads(shown) == json.loads(data), f"protocol.md shows another {name} (indented)"


def test_values_quoted_in_the_prose_are_current():
    doc = DOC.read_text(encoding="utf-8")
    section = doc[doc.index("## 10. Worked example") :]
    assert f"`{values()['envelope']['sha256_b64url']}`" in section
    assert f"({len(file('envelope.json'))} bytes)" in section


def test_reason_table_agrees_with_the_code():
    from exchange.federation.inbound import _REQUEST_STATUS

    doc = DOC.read_text(encoding="utf-8")
    table = doc[doc.index("<!-- reasons:begin -->") : doc.index("<!-- reasons:end -->")]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    parsed: dict[str, tuple[str, str]] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        code = cells[0].strip("`")
        assert code not in parsed, f"{code} listed twice"
        parsed[code] = (cells[3], cells[4])
    assert set(parsed) == {reason.value for reason in Reason}
    assert {code for code, (_, retry) in parsed.items() if retry == "yes"} == {r.value for r in RETRYABLE_REASONS}
    assert {code for code, (_, retry) in parsed.items() if retry not in ("yes", "no")} == set()
    statuses = {code: status for code, (status, _) in parsed.items() if status != "—"}
    assert statuses == {reason.value: str(status) for reason, status in _REQUEST_STATUS.items()}
    for reason in RETRYABLE_REASONS:
        assert f"`{reason.value}`" in doc[doc.index("The **retryable reasons**") : doc.index("**Backoff.**")]


def test_patterns_and_limits_quoted_in_the_doc_are_the_codes():
    from exchange.federation.transport import _VERSION
    from protocols import timefmt
    from protocols.v1 import bodies
    from protocols.v1 import envelope as envelope_module

    doc = DOC.read_text(encoding="utf-8")
    language = bodies.LANGUAGE_TAG.regex.pattern
    assert language.endswith("\\Z")
    for pattern in (
        httpsig.NONCE.pattern,
        _VERSION.pattern,
        timefmt._PATTERN.pattern,
        envelope_module._DATE.pattern,
        language.removesuffix("\\Z"),
    ):
        assert f"`{pattern}`" in doc, f"protocol.md does not quote the pattern {pattern}"
    assert timedelta(days=90) == envelope_module.MAX_TTL
    assert "at most `created` + 90 days" in doc
    assert timedelta(seconds=300) == httpsig.MAX_VALIDITY


def _table(doc: str, heading: str) -> dict[str, str]:
    """First column -> second column of the first table after `heading`."""
    section = doc[doc.index(heading) :]
    rows: dict[str, str] = {}
    for line in section[section.index("\n|") + 1 :].splitlines():
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1]
    return rows


def test_limits_quoted_in_the_doc_are_the_codes():
    from exchange.config import Settings
    from exchange.directory import gossip
    from exchange.federation import transport
    from protocols.v1 import directory as directory_module
    from protocols.v1 import receipt as receipt_module

    mib = 1024 * 1024
    doc = DOC.read_text(encoding="utf-8")
    limits = _table(doc, "### 1.5 Media type and size limits")
    settings = Settings(node_id="XX", home=DOCS, database_url="sqlite://")
    assert limits["request body"] == f"{settings.max_request_bytes // mib} MiB (16 777 216 bytes)"
    assert settings.max_request_bytes == 16 * mib
    assert limits["one envelope (its canonical bytes)"] == f"{settings.max_envelope_bytes // mib} MiB (2 097 152 bytes)"
    assert settings.max_envelope_bytes == 2 * mib
    assert limits["envelopes in one batch"] == str(settings.max_batch)
    assert limits["directory: nodes / keys per node / governance keys / signatures"] == (
        f"{directory_module.MAX_NODES} / {directory_module.MAX_KEYS_PER_NODE} / "
        f"{directory_module.MAX_GOVERNANCE_KEYS} / {directory_module.MAX_SIGNATURES}"
    )
    assert limits["receipt `detail`"] == f"{receipt_module.MAX_DETAIL} characters"
    assert limits["receipt `request_digest`"] == f"{receipt_module.MAX_DIGEST} characters"
    assert limits["answer a sender reads"] == f"{transport.MAX_RESPONSE_BYTES // mib} MiB"
    assert limits["a directory fetched from a peer (3.7)"] == f"{gossip.MAX_DIRECTORY_BYTES // mib} MiB"
    assert limits["time to read a whole answer"] == f"{settings.request_deadline:g} s from the start of the request"
    # The same limits where the directory members are described (3.1).
    for quoted in (
        f"0–{directory_module.MAX_NODES} node entries",
        f"0–{directory_module.MAX_SIGNATURES} signature objects",
        f"1–{directory_module.MAX_GOVERNANCE_KEYS} objects `{{holder, kid, public_key}}`",
        f"1–{directory_module.MAX_KEYS_PER_NODE} key entries",
        f"at most 2 MiB ({gossip.MAX_DIRECTORY_BYTES:,} bytes)".replace(",", " "),
        f"per {gossip.RETRY_SECONDS:g} seconds",
    ):
        assert quoted in doc, f"protocol.md does not say {quoted!r}"
    # The sender's HTTP client (8.3) and the receipts' clock skew (7.3).
    client = doc[doc.index("### 8.3") : doc.index("1. HTTP 200 with")]
    assert f"at most {settings.connect_timeout:g} s to connect" in client
    assert f"at most {settings.http_timeout:g} s for" in client
    assert f"reads at most {transport.MAX_RESPONSE_BYTES // mib} MiB" in client
    assert f"{settings.request_deadline:g} s after the request started" in client
    assert timedelta(minutes=5) == receipt_module.CLOCK_SKEW
    assert "`created - 5 minutes ≤ received < expires`" in doc
    assert "`|received - now| ≤ 5 minutes`" in doc
    assert sorted(directory_module.LOOPBACK) == ["127.0.0.1", "::1", "localhost"]
    assert "`127.0.0.1`, `localhost` or `::1`" in doc


# -- the generator ------------------------------------------------------------------------------------


def test_running_the_generator_again_reproduces_the_files_and_the_doc():
    generator = make_example()
    built = generator.build_example()
    assert set(built) == set(example_files()), "docs/example/ holds other files than make_example.py writes"
    for name, data in built.items():
        assert data == file(name), f"docs/example/{name} is stale: run .venv/bin/python docs/make_example.py"
    doc = DOC.read_text(encoding="utf-8")
    assert generator.refresh_doc(doc, built) == doc, "protocol.md is stale: run .venv/bin/python docs/make_example.py"
