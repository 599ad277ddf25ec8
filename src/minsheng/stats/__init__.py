"""Rates, volumes, hot spots and boards computed from the case tables."""
