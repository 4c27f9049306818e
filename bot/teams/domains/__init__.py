"""The Teams face of each domain: one module per domain, each with `register(commands)`."""
from __future__ import annotations

from ..turns import Commands
from . import help as help_

DOMAINS = [help_]   # add a domain's module here


def commands() -> Commands:
    table = Commands()
    for domain in DOMAINS:
        domain.register(table)
    return table
