"""Tamper-evident operation log: every state change, hash-chained and signed."""
