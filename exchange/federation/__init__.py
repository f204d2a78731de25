"""Node-to-node messaging: the inbound checks, the outbox and delivery, peer liveness."""
