"""App Home: my open items (nearest due first), minutes waiting for my sign-off, my unsigned minutes —
in the language of the person whose Home it is (`t`)."""
from __future__ import annotations


from ..i18n import Text
from ..services.home import HomeData
from .clients import home_blocks as client_blocks
from .finance_home import finance_blocks
from .tasks import _due
from .text import button, context, day, esc, plain, section

LIMIT = 20   # per list: 3 lists of 20 plus headers stay under the Home tab's 100 blocks


def _link(m) -> str:
    title = esc(plain(m.title, 150))
    return f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def home_view(data: HomeData, t: Text) -> dict:
    blocks: list[dict] = [_header(t("Your week with ae-bot")), _header(t("My open action items"))]
    if not data.items:
        blocks.append(context(t("Nothing open. New items from `/task` and `/minutes` show up here.")))
    for item in data.items[:LIMIT]:
        blocks.append(section(f"{esc(plain(item.text, 500))}\n{_due(item, t)}",
                              accessory=button(t("Done"), "item_done", str(item.id), style="primary")))
    blocks.append({"type": "divider"})
    blocks.append(_header(t("Waiting for my sign-off")))
    if not data.to_sign:
        blocks.append(context(t("You have signed everything you attended.")))
    for m in data.to_sign[:LIMIT]:
        blocks.append(section(t("{title} · {date} · version {version}", title=_link(m), date=day(m.held_on, t),
                                version=t.number(m.version)),
                              accessory=button(t("Sign off"), "minutes_sign_off", f"{m.id}:{m.version}",
                                               style="primary")))
    blocks.append({"type": "divider"})
    blocks.append(_header(t("My minutes not fully signed")))
    if not data.unsigned_mine:
        blocks.append(context(t("Every set of minutes you wrote is fully signed.")))
    for m, signed, needed in data.unsigned_mine[:LIMIT]:
        blocks.append(section(t.plural("{title} · {date} · {signed} of {n} signed",
                                       "{title} · {date} · {signed} of {n} signed", needed,
                                       title=_link(m), date=day(m.held_on, t), signed=t.number(signed))))
    blocks += client_blocks(data.clients or [], t=t)
    blocks += finance_blocks(data.finance, len(blocks), t=t)
    return {"type": "home", "blocks": blocks}
