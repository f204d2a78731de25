"""The audit trail: every view, change, approval, send and receipt, appended and hash-chained."""
