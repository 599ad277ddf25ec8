"""Notifications to people: Chinese templates, recipients, and pluggable backends (log, webhook, SMS)."""
