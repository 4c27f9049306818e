"""The sign-off nudge DM: which minutes, which version, how many have signed, and a Sign off button."""
from __future__ import annotations

from ..models import Minutes
from .text import button, context, day, esc, fit, mention, plain, section


def signoff_nudge(m: Minutes, recipient: str, *, signed: int, total: int, resign: bool) -> dict:
    title = esc(plain(m.title, 200))
    link = f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"
    if resign:
        head = f"🔁 {link} changed since you signed (now version {m.version}) — please read it and sign again."
    else:
        head = f"✍️ Please sign off {link} (version {m.version})."
    blocks = [
        section(f"{head}\n{signed} of {total} signed so far."),
        context(f"Meeting on {day(m.held_on)} · written by {mention(m.author_id)}"),
        {"type": "actions", "elements": [button("Sign off", "minutes_sign_off", f"{m.id}:{m.version}", style="primary")]},
    ]
    return {"channel": recipient, "text": fit(f"Please sign off: {m.title} (version {m.version})", 3000)[0],
            "blocks": blocks}
