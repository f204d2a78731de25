"""The mla-exchange wire protocol: canonical JSON, versions and message types, v1 objects.

No Flask, no database: another team can build a compatible node from this package and
docs/protocol.md alone.
"""
