"""`exchange demo`: three real nodes on loopback, and the helpers that run local federations."""
