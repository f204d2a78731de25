"""Alembic migrations of the node's database (packaged so installed nodes can run them)."""
