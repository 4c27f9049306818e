"""App Home: my open items (nearest due first), minutes waiting for my sign-off, my unsigned minutes."""
from __future__ import annotations

from ..services.home import HomeData
from .clients import home_blocks as client_blocks
from .finance_home import finance_blocks
from .tasks import _due
from .text import button, context, day, esc, plain, section

LIMIT = 20   # per list: 3 lists of 20 plus headers stay under the Home tab's 100 blocks


def _link(m) -> str:
    title = esc(plain(m.title, 150))
    return f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"


def home_view(data: HomeData) -> dict:
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "Your week with ae-bot"}}]
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": "My open action items"}})
    if not data.items:
        blocks.append(context("Nothing open. New items from `/task` and `/minutes` show up here."))
    for item in data.items[:LIMIT]:
        blocks.append(section(f"{esc(plain(item.text, 500))}\n{_due(item)}",
                              accessory=button("Done", "item_done", str(item.id), style="primary")))
    blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Waiting for my sign-off"}})
    if not data.to_sign:
        blocks.append(context("You have signed everything you attended."))
    for m in data.to_sign[:LIMIT]:
        blocks.append(section(f"{_link(m)} · {day(m.held_on)} · version {m.version}",
                              accessory=button("Sign off", "minutes_sign_off", f"{m.id}:{m.version}", style="primary")))
    blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": "My minutes not fully signed"}})
    if not data.unsigned_mine:
        blocks.append(context("Every set of minutes you wrote is fully signed."))
    for m, signed, needed in data.unsigned_mine[:LIMIT]:
        blocks.append(section(f"{_link(m)} · {day(m.held_on)} · {signed} of {needed} signed"))
    blocks += client_blocks(data.clients or [])
    blocks += finance_blocks(data.finance, len(blocks))
    return {"type": "home", "blocks": blocks}
