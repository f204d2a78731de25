"""Directory versions spread node to node: a peer that shows a newer version gets asked for it.

Every federation request and answer carries `Exchange-Directory-Version`. When a peer's number is
higher than ours we fetch its directory and *offer* it to the store, which adopts it only if our
trusted governance signed it; the header itself is never trusted.
"""

from __future__ import annotations

import logging
import threading
import time

from exchange.node import Node
from protocols.errors import DirectoryError

log = logging.getLogger(__name__)

REFRESH_JOB = "exchange.directory.gossip.refresh_from_peer"
DIRECTORY_PATH = "/federation/v1/directory"
# Fetch from the same peer at most this often, whatever version it announces: the number is the
# peer's claim, and a member announcing a new one in every request must not become a flood of
# fetches. (A peer may announce a version a moment before it serves it; the next try is soon.)
RETRY_SECONDS = 5.0
# A directory of 200 nodes with a few keys each is well under this.
MAX_DIRECTORY_BYTES = 2 * 1024 * 1024

_last_fetch: dict[str, float] = {}
_lock = threading.Lock()


def _key(peer_id: str) -> str:
    return f"directory:{peer_id}"


def consider(node: Node, peer_id: str, announced: int | None) -> None:
    """Queue a fetch when `peer_id` announces a newer directory than the one we trust."""
    ours = node.directory.version()
    if announced is None or ours is None or announced <= ours:
        return
    with _lock:
        # Keyed by member id (a bounded set: only authenticated members get here).
        if time.monotonic() - _last_fetch.get(peer_id, -RETRY_SECONDS) < RETRY_SECONDS:
            return
        _last_fetch[peer_id] = time.monotonic()
    # At most one fetch per peer waits in the queue at any time.
    node.queue.enqueue_once(_key(peer_id), REFRESH_JOB, peer_id)


def refresh_from_peer(peer_id: str) -> None:
    """Job: fetch the peer's directory and offer it to our store (refusals are recorded there)."""
    from exchange.federation.transport import TransportError
    from exchange.node import current_node

    node = current_node()
    node.queue.release(_key(peer_id))
    directory = node.directory.current()
    if not directory.has_node(peer_id):
        return
    try:
        _response, raw = node.transport.get(directory.node(peer_id), DIRECTORY_PATH, max_bytes=MAX_DIRECTORY_BYTES)
    except TransportError as exc:
        log.warning("could not fetch the directory of %s: %s", peer_id, exc)
        return
    try:
        node.directory.offer(raw, source=f"peer:{peer_id}")
    except DirectoryError:
        return  # already logged and recorded as refused
