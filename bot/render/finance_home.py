"""App Home for finance: open invoices by aging (totals per bucket and currency) and the oldest ones."""
from __future__ import annotations

from ..i18n import Text, text_for
from ..services.invoices import BUCKETS, Aging
from .invoices import BUCKET_LABELS, MARK_PAID, _line, totals_text
from .text import VIEW_BLOCKS, button, context, section

OLDEST = 5


def finance_blocks(aging: Aging | None, used: int, t: Text | None = None) -> list[dict]:
    """The section, cut to what is left of the Home tab's 100 blocks after `used`; [] for non-finance.
    `t` is the Home's reader (optional only while App Home itself is not converted: then English)."""
    t = t or text_for(None)
    room = VIEW_BLOCKS - used
    if aging is None or room < 4:
        return []
    totals = aging.totals
    rows = [f"*{t(BUCKET_LABELS[b])}* · {t.number(len(aging.buckets[b]))} · {totals_text(totals[b], t)}"
            for b in BUCKETS]
    blocks = [{"type": "divider"},
              {"type": "header", "text": {"type": "plain_text", "text": t("Open invoices by aging")}},
              section("\n".join(rows))]
    oldest = aging.oldest(OLDEST)
    if not oldest:
        blocks.append(context(t("No open invoices. 🎉")))
    for line in oldest:
        blocks.append(section(_line(line, t)[2:],
                              accessory=button(t("Mark paid"), MARK_PAID, str(line.card.invoice.id))))
    if len(blocks) > room:
        blocks = blocks[:room - 1] + [context(t("More in `/invoice list`."))]
    return blocks
