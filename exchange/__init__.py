"""The mla-exchange node: a Flask service with the federation API, outbox delivery and the CLI."""
