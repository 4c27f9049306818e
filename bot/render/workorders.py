"""Work orders: the /workorder modal, the job card, the deliverable's sign-off card and the small modals.

Every function takes the reader's `Text` (`t`): the cards and the thread replies are channel posts (the
client's language), the modals and the replies are the clicker's, the changes DM is the AE's.
"""
from __future__ import annotations

import json
from datetime import date

from ..amounts import example
from ..i18n import N_, Text
from ..models import Client, WorkOrder, WorkOrderKind, WorkOrderStatus
from ..services.workorders import (BRIEF_MAX, CURRENCIES, DELIVERABLE_MAX, TITLE_MAX, VENDOR_MAX,
                                   WorkOrderCard)
from .text import (button, context, day, esc, fit, input_block, mention, mentions, moment, packed_sections, plain,
                   section, text_input)

KIND_LABELS = {   # the glossary's names of the four orders
    WorkOrderKind.creative: N_("Creative"),
    WorkOrderKind.research: N_("Research"),
    WorkOrderKind.media_placement: N_("Media placement"),
    WorkOrderKind.press_release: N_("Press release"),
}
STATUS_LABELS = {
    WorkOrderStatus.open: N_("🟡 Open"),
    WorkOrderStatus.delivered: N_("📦 Delivered"),
    WorkOrderStatus.closed: N_("🔒 Closed"),
    WorkOrderStatus.invoiced: N_("🧾 Invoiced"),
}
MODAL_CALLBACK = "workorder_modal"
DELIVER_CALLBACK = "workorder_deliver_modal"
CLOSE_CALLBACK = "workorder_close_modal"
SIGNERS_CALLBACK = "workorder_signers_modal"
CHANGES_CALLBACK = "workorder_changes_modal"
BRIEF_CUT = 600


def _status(wo: WorkOrder) -> WorkOrderStatus:
    return WorkOrderStatus(wo.status)


def _head(wo: WorkOrder, client: Client) -> str:
    return f"{wo.number} · {client.name} · {wo.title}"


def _who(card: WorkOrderCard, user_id: str, t: Text) -> str:
    """A signer's mention, marked when they sign for the client."""
    return t("{person} (client)", person=mention(user_id)) if card.role_of.get(user_id) == "client" \
        else mention(user_id)


# --- the job card -------------------------------------------------------------------------------

def job_card(card: WorkOrderCard, t: Text) -> dict:
    """chat.postMessage / chat.update arguments for a work order's card in the client's channel."""
    wo, client = card.wo, card.client
    kind = t(KIND_LABELS[WorkOrderKind(wo.kind)])
    who = dict(client=esc(client.name), kind=kind, ae=mention(client.ae_id))
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(f"🧾 {wo.number} — {wo.title}", 150),
                                    "emoji": True}},
        context(t("*{client}* · {kind} · AE {ae} · opened by {person}", person=mention(wo.created_by), **who)
                if wo.created_by != client.ae_id else t("*{client}* · {kind} · AE {ae}", **who)),
    ]
    vendor = esc(plain(wo.vendor, 200))
    fields = [t("*Status:* {status}", status=t(STATUS_LABELS[_status(wo)])),
              t("*Estimated cost:* {amount}", amount=t.money(wo.estimated_cost, wo.currency)),
              t("*Due:* {date}", date=day(wo.due_on, t)) if wo.due_on else t("*Due:* —"),
              t("*Vendor:* {vendor}", vendor=vendor) if vendor else t("*Vendor:* — (in house)")]
    if wo.actual_cost is not None:
        fields.append(t("*Actual cost:* {amount}", amount=t.money(wo.actual_cost, wo.currency)))
    if wo.closed_by:
        fields.append(t("*Closed by:* {person} {when}", person=mention(wo.closed_by), when=moment(wo.closed_at, t))
                      if wo.closed_at else t("*Closed by:* {person}", person=mention(wo.closed_by)))
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]})
    if wo.brief:
        blocks.append(section(t("*Brief and requirements*") + "\n" + fit(esc(wo.brief), BRIEF_CUT)[0]))
    if wo.deliverable:
        head = (t("*Delivered* (version {version}, {when})", version=wo.version, when=moment(wo.delivered_at, t))
                if wo.delivered_at else t("*Delivered* (version {version})", version=wo.version))
        blocks.append(section(head + "\n" + fit(esc(wo.deliverable), BRIEF_CUT)[0]))
    if card.signers:
        blocks.append(context(signoff_line(card, t)))
    actions = _job_buttons(wo, t)
    if actions:
        blocks.append({"type": "actions", "block_id": "workorder_actions", "elements": actions})
    text = t("Work order {number}: {title} ({client}) — {status}", number=wo.number, title=esc(wo.title),
             client=esc(client.name), status=t(STATUS_LABELS[_status(wo)]))
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def _job_buttons(wo: WorkOrder, t: Text) -> list[dict]:
    v = str(wo.id)
    status = _status(wo)
    if status == WorkOrderStatus.open:
        return [button(t("Mark delivered"), "workorder_deliver", v, style="primary")]
    if status == WorkOrderStatus.delivered:
        return [button(t("Request sign-off"), "workorder_request_signoff", v, style="primary"),
                button(t("Deliver again"), "workorder_deliver", v),
                button(t("Close job"), "workorder_close", v)]
    return []


def signoff_line(card: WorkOrderCard, t: Text) -> str:
    total, signed = len(card.signers), len(card.approvals)
    done = " ✅" if total and signed == total else ""
    client = sum(1 for x in card.approvals if card.role_of.get(x.signer_id) == "client")
    counts = dict(version=card.wo.version, signed=t.number(signed), total=t.number(total))
    if client:
        return t("*Sign-off of version {version}:* {signed} of {total} signed{done} · confirmed by the client "
                 "({client})", done=done, client=t.number(client), **counts)
    return t("*Sign-off of version {version}:* {signed} of {total} signed{done}", done=done, **counts)


# --- the sign-off card ----------------------------------------------------------------------------

def signoff_card(card: WorkOrderCard, t: Text) -> dict:
    """The deliverable's sign-off card (usually in a shared channel: the client's contacts sign there too)."""
    wo, client = card.wo, card.client
    blocks = [
        section(t("✍️ *Sign-off requested:* {head}", head=esc(plain(_head(wo, client), 300))) + "\n"
                + t("*Delivered* (version {version}):", version=wo.version) + "\n"
                + fit(esc(wo.deliverable), 2000)[0]),
    ]
    total, signed = len(card.signers), len(card.approvals)
    title = (t("*{signed} of {total} signed*", signed=t.number(signed), total=t.number(total))
             + (" ✅" if total and signed == total else ""))
    lines = []
    for x in card.approvals:
        if card.role_of.get(x.signer_id) == "client":
            lines.append(t("✔︎ {person} {when} — _confirmed by the client_", person=mention(x.signer_id),
                           when=moment(x.signed_at, t)))
        else:
            lines.append(f"✔︎ {mention(x.signer_id)} {moment(x.signed_at, t)}")
    done = {x.signer_id for x in card.approvals}
    if card.must_resign:
        lines.append(t("🔁 Delivered again since they signed (now version {version}) — please sign again: {people}",
                       version=wo.version, people=mentions(card.must_resign, t)))
    waiting = [u for u in card.signer_ids if u not in done and u not in card.must_resign]
    if waiting:
        lines.append(t("Waiting for: {people}", people=t.join([_who(card, u, t) for u in waiting])))
    for c in card.change_requests:
        lines.append(t("✏️ {person} asked for changes: “{comment}”", person=mention(c.signer_id),
                       comment=esc(plain(c.comment, 300))))
    blocks += packed_sections(title, lines, max_sections=8, t=t)
    if _status(wo) in (WorkOrderStatus.delivered, WorkOrderStatus.closed, WorkOrderStatus.invoiced):
        elements = [button(t("Sign off"), "workorder_sign_off", f"{wo.id}:{wo.version}", style="primary")]
        if _status(wo) == WorkOrderStatus.delivered:
            elements.append(button(t("Request changes"), "workorder_request_changes", str(wo.id)))
        blocks.append({"type": "actions", "block_id": "workorder_signoff", "elements": elements})
    text = t("Sign-off for {number} {title}: {signed} of {total} signed", number=wo.number, title=esc(wo.title),
             signed=t.number(signed), total=t.number(total))
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def superseded(card: WorkOrderCard, t: Text) -> dict:
    wo = card.wo
    return {"text": t("Sign-off for {number}: superseded", number=wo.number), "blocks": [
        context(t("This sign-off request for *{number}* was replaced by a newer one below.",
                  number=esc(wo.number)))]}


def resign_reply(card: WorkOrderCard, t: Text) -> str:
    return t("🔁 {number} was delivered again (now version {version}). Earlier sign-offs no longer count — please "
             "look and sign again: {people}", number=card.wo.number, version=card.wo.version,
             people=mentions(card.must_resign, t))


def changes_dm(card: WorkOrderCard, user_id: str, comment: str, t: Text) -> dict:
    wo = card.wo
    return {"text": t("Changes requested on {number}", number=wo.number), "blocks": [
        section(t("✏️ {person} asked for changes to *{head}* (version {version}):", person=_who(card, user_id, t),
                  head=esc(plain(_head(wo, card.client), 300)), version=wo.version)
                + f"\n>{esc(plain(comment, 2500))}"),
        {"type": "actions", "elements": [button(t("Deliver again"), "workorder_deliver", str(wo.id))]}]}


def not_posted(channel_id: str, number: str, t: Text) -> str:
    return t("{number} is saved, but I can't post its card in {channel} because I'm not a member. Invite me with "
             "`/invite @ae-bot` there.", number=number, channel=f"<#{channel_id}>")


def no_channel(number: str, client: str, t: Text) -> str:
    return t("{number} is saved, but {client} has no channel yet, so its card isn't posted. Set one with "
             "`/client edit {client}`.", number=number, client=esc(client))


def no_signoff_channel(number: str, client: str, t: Text) -> str:
    return t("{number} has no channel to ask in. Set {client}'s channel with `/client edit {client}`, then ask "
             "again.", number=number, client=esc(client))


def same_deliverable(number: str, t: Text) -> str:
    return t("That is what {number} already says was delivered; the sign-offs stand.", number=number)


def already_signed(card: WorkOrderCard, t: Text) -> str:
    return t("You've already signed version {version} of {number}.", version=card.wo.version,
             number=card.wo.number)


def no_clients(t: Text) -> str:
    return t("There are no clients yet. Add one with `/client add`, then run `/workorder` again.")


# --- modals ------------------------------------------------------------------------------------

_input, _text = input_block, text_input


def _opt(label: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": plain(label, 75)}, "value": value}


def _modal(callback: str, title: str, submit: str, meta: dict, blocks: list[dict], t: Text) -> dict:
    return {"type": "modal", "callback_id": callback, "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": submit}, "close": {"type": "plain_text", "text": t("Cancel")},
            "private_metadata": json.dumps(meta, separators=(",", ":")), "blocks": blocks}


def workorder_modal(clients: list[Client], total: int, *, channel_id: str | None, text: str, today: date,
                    t: Text) -> dict:
    """/workorder: preselects the client whose channel this is, or whose name was typed after the command."""
    options = [_opt(c.name, str(c.id)) for c in clients]
    key = text.strip().lower()
    chosen = (next((c for c in clients if key and c.name_key == key), None)
              or next((c for c in clients if channel_id and c.channel_id == channel_id), None))
    client_el = {"type": "static_select", "options": options,
                 "placeholder": {"type": "plain_text", "text": t("Client")}}
    if chosen:
        client_el["initial_option"] = _opt(chosen.name, str(chosen.id))
    currencies = [_opt(c, c) for c in CURRENCIES]
    shown = t.plural("Showing {shown} of {n} client.", "Showing {shown} of {n} clients.", total,
                     shown=t.number(len(clients)))
    blocks = [
        _input("client", t("Client"), client_el, hint=shown if total > len(clients) else ""),
        _input("kind", t("Kind of work"), {"type": "static_select",
                                           "options": [_opt(t(v), k.value) for k, v in KIND_LABELS.items()]}),
        _input("title", t("Title"), _text(text.strip()[:TITLE_MAX] if not chosen else "", max_length=TITLE_MAX)),
        _input("brief", t("Brief and requirements"), _text(multiline=True, max_length=BRIEF_MAX), optional=True),
        _input("cost", t("Estimated cost"), _text(),
               hint=t("For example {example}. JPY and KRW have no decimals.", example=example(t, "USD"))),
        _input("currency", t("Currency"), {"type": "static_select", "options": currencies,
                                           "initial_option": currencies[0]}),
        _input("vendor", t("Outsourced vendor"), _text(max_length=VENDOR_MAX), optional=True,
               hint=t("Leave empty when the work is done in house.")),
        _input("due_on", t("Due date"), {"type": "datepicker", "initial_date": str(today)}),
    ]
    return _modal(MODAL_CALLBACK, t("New work order"), t("Create"), {"channel": channel_id}, blocks, t)


def deliver_modal(card: WorkOrderCard, t: Text) -> dict:
    wo = card.wo
    again = bool(wo.content_hash)
    head = esc(plain(_head(wo, card.client), 300))
    blocks = [section(t("What was delivered for *{head}*? Delivering again makes a new version: earlier sign-offs "
                        "stop counting.", head=head) if again
                      else t("What was delivered for *{head}*?", head=head)),
              _input("deliverable", t("Deliverable"), _text(wo.deliverable[:DELIVERABLE_MAX], multiline=True,
                                                            max_length=DELIVERABLE_MAX),
                     hint=t("What was handed over, with links to the files."))]
    return _modal(DELIVER_CALLBACK, t("Deliver again") if again else t("Mark delivered"), t("Save"),
                  {"work_order_id": wo.id}, blocks, t)


def close_modal(card: WorkOrderCard, t: Text) -> dict:
    wo = card.wo
    places = CURRENCIES.get(wo.currency, 2)
    ex = example(t, wo.currency)
    hint = (t("In {currency}, no decimals, like {example}.", currency=wo.currency, example=ex) if places == 0
            else t.plural("In {currency}, up to {n} decimal, like {example}.",
                          "In {currency}, up to {n} decimals, like {example}.", places, currency=wo.currency,
                          example=ex))
    blocks = [section(t("Close *{head}*. Estimated: {amount}.", head=esc(plain(_head(wo, card.client), 300)),
                        amount=t.money(wo.estimated_cost, wo.currency))),
              _input("actual_cost", t("Actual cost ({currency})", currency=wo.currency), _text(), hint=hint)]
    return _modal(CLOSE_CALLBACK, t("Close job"), t("Close job"), {"work_order_id": wo.id}, blocks, t)


def signers_modal(card: WorkOrderCard, contact_ids: list[str], t: Text) -> dict:
    wo = card.wo
    colleagues = [x.user_id for x in card.signers if x.role == "colleague"]
    picker = {"type": "multi_users_select"}
    if colleagues:
        picker["initial_users"] = colleagues
    head = esc(plain(_head(wo, card.client), 300))
    if contact_ids:
        ask = t("Who worked on *{head}*? They sign off the deliverable (version {version}). The client's contacts "
                "sign too: {people}.", head=head, version=wo.version, people=mentions(contact_ids, t))
    else:
        ask = t("Who worked on *{head}*? They sign off the deliverable (version {version}). This client has no "
                "contacts on file (add them with `/client edit`).", head=head, version=wo.version)
    blocks = [section(ask),
              _input("signers", t("Colleagues who worked on it"), picker, optional=bool(contact_ids))]
    return _modal(SIGNERS_CALLBACK, t("Request sign-off"), t("Request"), {"work_order_id": wo.id}, blocks, t)


def changes_modal(wo: WorkOrder, t: Text) -> dict:
    blocks = [section(t("What should change in *{head}*? The account executive gets your comment.",
                        head=esc(plain(f"{wo.number} · {wo.title}", 300)))),
              _input("comment", t("Your comment"), _text(multiline=True, max_length=3000))]
    return _modal(CHANGES_CALLBACK, t("Request changes"), t("Send"), {"work_order_id": wo.id}, blocks, t)
