"""Logging that never prints a token."""
from __future__ import annotations

import logging
import re
import sys

_SECRET = re.compile(r"\b(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: m.group(1)[:5] + "…redacted", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: str = "INFO", stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        if isinstance(h.formatter, RedactingFormatter):
            root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
