"""Outbox written in the transaction; fan-out of case changes to consoles after commit."""
