"""The messaging port for Teams: what an effect sends goes through the Teams SDK's Bot Connector
client, with failures sorted the way the effect ledger needs them (retry, wait, or give up)."""
from __future__ import annotations

import logging

from ..effects import Failure

log = logging.getLogger("ae_bot.teams")


class TeamsPort:
    platform = "teams"

    def __init__(self, app):
        self.app = app   # a microsoft_teams.apps.App, initialized

    async def send(self, service_url: str, conversation_id: str, activity: dict) -> str:
        """Post an activity into a conversation; its id."""
        from microsoft_teams.api import MessageActivityInput

        try:
            sent = await self.app.send(conversation_id, MessageActivityInput.model_validate(activity),
                                       service_url=service_url)
        except Exception as e:   # the SDK raises its HTTP client's errors: sort them for the ledger
            raise _failure(e) from None
        return sent.id


def _failure(e: Exception) -> Failure:
    response = getattr(e, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if status == 429:
        retry = (getattr(response, "headers", None) or {}).get("Retry-After")
        return Failure("rate_limited", retry_after=float(retry) if retry else 1.0)
    if status in (400, 401, 403, 404):
        return Failure(f"teams_{status}", permanent=True)
    return Failure(f"teams_{status or type(e).__name__}")
