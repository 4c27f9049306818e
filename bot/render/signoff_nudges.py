"""The sign-off nudge DM: which minutes, which version, how many have signed, and a Sign off button.
Written in the recipient's language (`t`, from the rule's `ctx.text`)."""
from __future__ import annotations

from ..i18n import Text, text_for
from ..models import Minutes
from .text import button, context, day, esc, fit, mention, plain, section


def signoff_nudge(m: Minutes, recipient: str, *, signed: int, total: int, resign: bool,
                  t: Text | None = None) -> dict:
    t = t or text_for("en")
    title = esc(plain(m.title, 200))
    link = f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"
    version = t.number(m.version)
    if resign:
        head = t("🔁 {link} changed since you signed (now version {version}) — please read it and sign again.",
                 link=link, version=version)
    else:
        head = t("✍️ Please sign off {link} (version {version}).", link=link, version=version)
    so_far = t("{signed} of {total} signed so far.", signed=t.number(signed), total=t.number(total))
    blocks = [
        section(f"{head}\n{so_far}"),
        context(t("Meeting on {date} · written by {author}", date=day(m.held_on, t), author=mention(m.author_id))),
        {"type": "actions", "elements": [button(t("Sign off"), "minutes_sign_off", f"{m.id}:{m.version}",
                                                style="primary")]},
    ]
    return {"channel": recipient,
            "text": fit(t("Please sign off: {title} (version {version})", title=m.title, version=version), 3000)[0],
            "blocks": blocks}
