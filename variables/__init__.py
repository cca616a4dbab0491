"""Environments of the test run: one Robot Framework variable file per environment (see `_settings.py`)."""
