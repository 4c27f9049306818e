"""App Home for finance: open invoices by aging (totals per bucket and currency) and the oldest ones."""
from __future__ import annotations

from ..services.invoices import BUCKETS, Aging
from .invoices import BUCKET_LABELS, MARK_PAID, _line, totals_text
from .text import VIEW_BLOCKS, button, context, section

OLDEST = 5


def finance_blocks(aging: Aging | None, used: int) -> list[dict]:
    """The section, cut to what is left of the Home tab's 100 blocks after `used`; [] for non-finance."""
    room = VIEW_BLOCKS - used
    if aging is None or room < 4:
        return []
    totals = aging.totals
    rows = [f"*{BUCKET_LABELS[b]}* · {len(aging.buckets[b])} · {totals_text(totals[b])}" for b in BUCKETS]
    blocks = [{"type": "divider"},
              {"type": "header", "text": {"type": "plain_text", "text": "Open invoices by aging"}},
              section("\n".join(rows))]
    oldest = aging.oldest(OLDEST)
    if not oldest:
        blocks.append(context("No open invoices. 🎉"))
    for line in oldest:
        blocks.append(section(_line(line)[2:], accessory=button("Mark paid", MARK_PAID, str(line.card.invoice.id))))
    if len(blocks) > room:
        blocks = blocks[:room - 1] + [context("More in `/invoice list`.")]
    return blocks
