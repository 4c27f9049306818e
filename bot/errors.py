"""Typed errors that services raise: a code and its parameters, never prose.

The renderer (`bot/render/problems.py`) turns a code into the reader's language, and says what to do.
Parameters are plain values: a `User` (shown as a mention or a name), a `date` (shown in the reader's
format), a `Money`, or text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class User:
    """A person a message names (rendered as a mention in Slack, a name elsewhere)."""
    id: str


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with what was asked: a message code and what fills it in."""
    code: str
    params: dict = field(default_factory=dict)


class UserError(Exception):
    """Something the person can fix: a code the renderer words for them."""

    def __init__(self, code: str, **params):
        self.problem = Problem(code, params)
        super().__init__(code)

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def params(self) -> dict:
        return self.problem.params


class NotFound(UserError):
    pass


class NotAllowed(UserError):
    pass


class InvalidInput(UserError):
    """Validation failed; `errors` maps a modal block_id to its problem."""

    def __init__(self, errors: dict[str, Problem]):
        self.errors = errors
        first = next(iter(errors.values()), Problem("invalid"))
        first = Problem(first) if isinstance(first, str) else first
        super().__init__(first.code, **first.params)

    @classmethod
    def one(cls, block_id: str, code: str, **params) -> "InvalidInput":
        return cls({block_id: Problem(code, params)})
