"""Scheduling delivery: one queued job per peer at a time, picked up after the transaction commits.

A job delivers whatever is due for its peer in batches of up to 50 and queues a successor while
more is due; further messages to the same peer, while a job for it waits in the queue, need no
job of their own. The sweeper still finds anything a lost job would have sent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange.jobs import later

DELIVER_PEER_JOB = "exchange.federation.delivery.deliver_peer"


def delivery_key(peer_id: str) -> str:
    return f"deliver:{peer_id}"


def schedule_delivery(session: Session, peer_id: str) -> None:
    """After `session` commits, make sure a delivery job for `peer_id` is queued."""
    later(session, DELIVER_PEER_JOB, peer_id, once=delivery_key(peer_id))
