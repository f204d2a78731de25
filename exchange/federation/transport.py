"""HTTP between nodes: every request signed with our RFC 9421 profile, every answer parsed strictly.

One `requests.Session` per thread keeps connections to peers alive. A peer's error text is never
passed on: callers get a TransportError with our own wording, or the peer's signed receipts.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import requests

from exchange.clock import Clock
from exchange.identity import NodeIdentity
from protocols.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_strict
from protocols.errors import ProtocolError
from protocols.v1 import httpsig
from protocols.v1.directory import NodeEntry

log = logging.getLogger(__name__)

DIRECTORY_VERSION_HEADER = "Exchange-Directory-Version"
_VERSION = re.compile(r"[0-9]{1,16}")
JSON = "application/json"
MAX_RESPONSE_BYTES = 8 * 1024 * 1024


def _read_limited(response: requests.Response, limit: int, deadline: float, what: str) -> bytes:
    """The answer's body, refusing one larger than `limit` or slower than `deadline` in total.

    The read timeout bounds each wait for data, not the whole answer: a peer dribbling a byte at
    a time could otherwise hold a worker for as long as it likes.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise TransportError(f"{what}: answer took too long")
            chunk = response.raw.read(64 * 1024, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise TransportError(f"{what}: answer larger than {limit} bytes")
            chunks.append(chunk)
    finally:
        response.close()


def announced_version(value: str | None) -> int | None:
    """The directory version a peer announces, or None for anything but a plain ASCII number.

    The header is advisory (the directory itself is verified when fetched), so a malformed value
    is ignored rather than allowed to fail the exchange it rides on.
    """
    if value is None or _VERSION.fullmatch(value) is None:
        return None
    version = int(value)
    return version if version <= MAX_SAFE_INTEGER else None


class TransportError(Exception):
    """The peer could not be reached or answered something we cannot use (worth retrying later)."""


@dataclass(frozen=True)
class PeerResponse:
    status: int
    payload: Any
    directory_version: int | None
    sent_digest: str | None = None  # the Content-Digest of the request this answers


class Transport:
    def __init__(
        self,
        identity: Callable[[], NodeIdentity],
        clock: Clock,
        *,
        timeout: float,
        directory_version: Callable[[], int | None],
        connect_timeout: float = 3.0,
        ca_bundle: str | None = None,
        deadline: float = 30.0,
    ) -> None:
        self._identity = identity
        self._clock = clock
        # A short connect timeout keeps a dead peer from holding a worker for the whole read timeout.
        self._timeout = (connect_timeout, timeout)
        self._ca_bundle = ca_bundle
        self._deadline = deadline
        self._directory_version = directory_version
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # node-to-node traffic never goes through ambient proxies
            if self._ca_bundle:
                session.verify = self._ca_bundle  # a federation may run its own certificate authority
            self._local.session = session
        return session

    def post_json(self, peer: NodeEntry, path: str, document: Any) -> PeerResponse:
        """POST canonical JSON to `peer`, signed; return the parsed answer (any status)."""
        return self.post(peer, path, canonical_bytes(document))

    def post(self, peer: NodeEntry, path: str, body: bytes) -> PeerResponse:
        """POST `body` (canonical JSON bytes) to `peer` with our HTTP signature."""
        url = peer.endpoint + path
        message = httpsig.HttpRequest("POST", url, httpsig.Headers([("Content-Type", JSON)]))
        httpsig.sign_request(message, self._identity().signing_key, body=body, now=self._clock.now())
        headers = dict(message.headers.items())
        version = self._directory_version()
        if version is not None:
            headers[DIRECTORY_VERSION_HEADER] = str(version)
        response = self._send("POST", url, headers=headers, data=body)
        return replace(response, sent_digest=message.headers["Content-Digest"])

    def get(self, peer: NodeEntry, path: str, *, max_bytes: int = MAX_RESPONSE_BYTES) -> tuple[PeerResponse, bytes]:
        """GET a public federation resource; returns the parsed answer and the raw bytes."""
        url = peer.endpoint + path
        response = self._send("GET", url, headers={"Accept": JSON}, data=None, raw=True, max_bytes=max_bytes)
        return response, response.payload

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        data: bytes | None,
        raw: bool = False,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> PeerResponse:
        started = time.monotonic()
        try:
            response = self._session().request(
                method, url, headers=headers, data=data, timeout=self._timeout, allow_redirects=False, stream=True
            )
            content = _read_limited(response, max_bytes, started + self._deadline, f"{method} {url}")
        except requests.RequestException as exc:
            raise TransportError(f"{method} {url}: {type(exc).__name__}") from exc
        directory_version = announced_version(response.headers.get(DIRECTORY_VERSION_HEADER))
        if raw:
            if response.status_code != 200:
                raise TransportError(f"{method} {url}: HTTP {response.status_code}")
            return PeerResponse(response.status_code, content, directory_version)
        try:
            payload = parse_strict(content) if content else None
        except ProtocolError as exc:
            raise TransportError(f"{method} {url}: HTTP {response.status_code} with an unreadable body") from exc
        return PeerResponse(response.status_code, payload, directory_version)
