"""Typed errors that services raise and handlers turn into modal errors or ephemeral messages.

Each message is written for the person who will read it: it says what to do.
"""
from __future__ import annotations


class UserError(Exception):
    """Something the person can fix; `str(error)` is shown to them as is."""


class NotFound(UserError):
    pass


class NotAllowed(UserError):
    pass


class InvalidInput(UserError):
    """Validation failed; `errors` maps a modal block_id to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))
