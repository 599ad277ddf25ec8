"""minsheng — 民声一键办: one place for every citizen request."""

__version__ = "0.1.0"
