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
# Ask the same peer for the same version at most this often (a peer may announce a version a
# moment before it serves it, and a refused fetch must not turn into a fetch storm).
RETRY_SECONDS = 5.0

_asked: dict[tuple[str, int], float] = {}
_lock = threading.Lock()


def consider(node: Node, peer_id: str, announced: int | None) -> None:
    """Queue a fetch when `peer_id` announces a newer directory than the one we trust."""
    ours = node.directory.version()
    if announced is None or ours is None or announced <= ours:
        return
    key = (peer_id, announced)
    with _lock:
        if time.monotonic() - _asked.get(key, -RETRY_SECONDS) < RETRY_SECONDS:
            return
        _asked[key] = time.monotonic()
    node.queue.enqueue(REFRESH_JOB, peer_id)


def refresh_from_peer(peer_id: str) -> None:
    """Job: fetch the peer's directory and offer it to our store (refusals are recorded there)."""
    from exchange.federation.transport import TransportError
    from exchange.node import current_node

    node = current_node()
    peer = node.directory.current().node(peer_id)
    try:
        _response, raw = node.transport.get(peer, DIRECTORY_PATH)
    except TransportError as exc:
        log.warning("could not fetch the directory of %s: %s", peer_id, exc)
        return
    try:
        node.directory.offer(raw, source=f"peer:{peer_id}")
    except DirectoryError:
        return  # already logged and recorded as refused
