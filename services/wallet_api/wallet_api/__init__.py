"""Reference stand-in implementation of the Wallet API contract (v1)."""

__version__ = "1.0.0"
