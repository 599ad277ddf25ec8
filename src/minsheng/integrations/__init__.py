"""Doors in and out: 12345/110 intake, hand-back webhooks, notifications, Open311, the citizen's page."""
