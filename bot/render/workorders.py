"""Work orders: the /workorder modal, the job card, the deliverable's sign-off card and the small modals."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from ..models import Client, WorkOrder, WorkOrderKind, WorkOrderStatus
from ..services.workorders import (BRIEF_MAX, CURRENCIES, DELIVERABLE_MAX, TITLE_MAX, VENDOR_MAX,
                                   WorkOrderCard)
from .text import (button, context, day, esc, fit, input_block, mention, mentions, moment, packed_sections, plain,
                   section, text_input)

KIND_LABELS = {
    WorkOrderKind.creative: "Creative",
    WorkOrderKind.research: "Research",
    WorkOrderKind.media_placement: "Media placement",
    WorkOrderKind.press_release: "Press release",
}
STATUS_LABELS = {
    WorkOrderStatus.open: "🟡 Open",
    WorkOrderStatus.delivered: "📦 Delivered",
    WorkOrderStatus.closed: "🔒 Closed",
    WorkOrderStatus.invoiced: "🧾 Invoiced",
}
MODAL_CALLBACK = "workorder_modal"
DELIVER_CALLBACK = "workorder_deliver_modal"
CLOSE_CALLBACK = "workorder_close_modal"
SIGNERS_CALLBACK = "workorder_signers_modal"
CHANGES_CALLBACK = "workorder_changes_modal"
BRIEF_CUT = 600


def money(amount: Decimal, currency: str) -> str:
    """1200.5, "USD" → "1,200.50 USD" (the currency's own decimals; exact, never via float)."""
    places = CURRENCIES.get(currency, 2)
    return f"{amount.quantize(Decimal(1).scaleb(-places)):,} {currency}"


def _status(wo: WorkOrder) -> WorkOrderStatus:
    return WorkOrderStatus(wo.status)


def _head(wo: WorkOrder, client: Client) -> str:
    return f"{wo.number} · {client.name} · {wo.title}"


# --- the job card -------------------------------------------------------------------------------

def job_card(card: WorkOrderCard) -> dict:
    """chat.postMessage / chat.update arguments for a work order's card in the client's channel."""
    wo, client = card.wo, card.client
    kind = KIND_LABELS[WorkOrderKind(wo.kind)]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(f"🧾 {wo.number} — {wo.title}", 150),
                                    "emoji": True}},
        context(f"*{esc(client.name)}* · {kind} · AE {mention(client.ae_id)}"
                + (f" · opened by {mention(wo.created_by)}" if wo.created_by != client.ae_id else "")),
    ]
    fields = [f"*Status:* {STATUS_LABELS[_status(wo)]}",
              f"*Estimated cost:* {money(wo.estimated_cost, wo.currency)}",
              f"*Due:* {day(wo.due_on) if wo.due_on else '—'}",
              f"*Vendor:* {esc(plain(wo.vendor, 200)) or '— (in house)'}"]
    if wo.actual_cost is not None:
        fields.append(f"*Actual cost:* {money(wo.actual_cost, wo.currency)}")
    if wo.closed_by:
        fields.append(f"*Closed by:* {mention(wo.closed_by)}" + (f" {moment(wo.closed_at)}" if wo.closed_at else ""))
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]})
    if wo.brief:
        blocks.append(section(f"*Brief and requirements*\n{fit(esc(wo.brief), BRIEF_CUT)[0]}"))
    if wo.deliverable:
        blocks.append(section(f"*Delivered* (version {wo.version}"
                              + (f", {moment(wo.delivered_at)}" if wo.delivered_at else "") + ")\n"
                              + fit(esc(wo.deliverable), BRIEF_CUT)[0]))
    if card.signers:
        blocks.append(context(signoff_line(card)))
    actions = _job_buttons(wo)
    if actions:
        blocks.append({"type": "actions", "block_id": "workorder_actions", "elements": actions})
    text = esc(f"Work order {wo.number}: {wo.title} ({client.name}) — {_status(wo).value}")
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def _job_buttons(wo: WorkOrder) -> list[dict]:
    v = str(wo.id)
    status = _status(wo)
    if status == WorkOrderStatus.open:
        return [button("Mark delivered", "workorder_deliver", v, style="primary")]
    if status == WorkOrderStatus.delivered:
        return [button("Request sign-off", "workorder_request_signoff", v, style="primary"),
                button("Deliver again", "workorder_deliver", v),
                button("Close job", "workorder_close", v)]
    return []


def signoff_line(card: WorkOrderCard) -> str:
    total, signed = len(card.signers), len(card.approvals)
    done = " ✅" if total and signed == total else ""
    client = sum(1 for x in card.approvals if card.role_of.get(x.signer_id) == "client")
    extra = f" · confirmed by the client ({client})" if client else ""
    return f"*Sign-off of version {card.wo.version}:* {signed} of {total} signed{done}{extra}"


# --- the sign-off card ----------------------------------------------------------------------------

def signoff_card(card: WorkOrderCard) -> dict:
    """The deliverable's sign-off card (usually in a shared channel: the client's contacts sign there too)."""
    wo, client = card.wo, card.client
    blocks = [
        section(f"✍️ *Sign-off requested:* {esc(plain(_head(wo, client), 300))}\n"
                f"*Delivered* (version {wo.version}):\n{fit(esc(wo.deliverable), 2000)[0]}"),
    ]
    total = len(card.signers)
    title = f"*{len(card.approvals)} of {total} signed*" + (" ✅" if total and len(card.approvals) == total else "")
    lines = []
    for x in card.approvals:
        tag = " — _confirmed by the client_" if card.role_of.get(x.signer_id) == "client" else ""
        lines.append(f"✔︎ {mention(x.signer_id)} {moment(x.signed_at)}{tag}")
    signed = {x.signer_id for x in card.approvals}
    if card.must_resign:
        lines.append(f"🔁 Delivered again since they signed (now version {wo.version}) — please sign again: "
                     + mentions(card.must_resign))
    waiting = [u for u in card.signer_ids if u not in signed and u not in card.must_resign]
    if waiting:
        lines.append("Waiting for: " + ", ".join(
            mention(u) + (" (client)" if card.role_of.get(u) == "client" else "") for u in waiting))
    for c in card.change_requests:
        lines.append(f"✏️ {mention(c.signer_id)} asked for changes: “{esc(plain(c.comment, 300))}”")
    blocks += packed_sections(title, lines, max_sections=8)
    if _status(wo) in (WorkOrderStatus.delivered, WorkOrderStatus.closed, WorkOrderStatus.invoiced):
        elements = [button("Sign off", "workorder_sign_off", f"{wo.id}:{wo.version}", style="primary")]
        if _status(wo) == WorkOrderStatus.delivered:
            elements.append(button("Request changes", "workorder_request_changes", str(wo.id)))
        blocks.append({"type": "actions", "block_id": "workorder_signoff", "elements": elements})
    text = esc(f"Sign-off for {wo.number} {wo.title}: {len(card.approvals)} of {total} signed")
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def superseded(card: WorkOrderCard) -> dict:
    wo = card.wo
    return {"text": f"Sign-off for {wo.number}: superseded", "blocks": [
        context(f"This sign-off request for *{esc(wo.number)}* was replaced by a newer one below.")]}


def resign_reply(card: WorkOrderCard) -> str:
    return (f"🔁 {card.wo.number} was delivered again (now version {card.wo.version}). Earlier sign-offs no "
            f"longer count — please look and sign again: {mentions(card.must_resign)}")


def changes_dm(card: WorkOrderCard, user_id: str, comment: str) -> dict:
    wo = card.wo
    who = mention(user_id) + (" (client)" if card.role_of.get(user_id) == "client" else "")
    return {"text": f"Changes requested on {wo.number}", "blocks": [
        section(f"✏️ {who} asked for changes to *{esc(plain(_head(wo, card.client), 300))}* "
                f"(version {wo.version}):\n>{esc(plain(comment, 2500))}"),
        {"type": "actions", "elements": [button("Deliver again", "workorder_deliver", str(wo.id))]}]}


def not_posted(channel_id: str, number: str) -> str:
    return (f"{number} is saved, but I can't post its card in <#{channel_id}> because I'm not a member. "
            "Invite me with `/invite @ae-bot` there.")


def no_clients() -> str:
    return "There are no clients yet. Add one with `/client add`, then run `/workorder` again."


# --- modals ------------------------------------------------------------------------------------

_input, _text = input_block, text_input


def _opt(label: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": plain(label, 75)}, "value": value}


def _modal(callback: str, title: str, submit: str, meta: dict, blocks: list[dict]) -> dict:
    return {"type": "modal", "callback_id": callback, "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": submit}, "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps(meta, separators=(",", ":")), "blocks": blocks}


def workorder_modal(clients: list[Client], total: int, *, channel_id: str | None, text: str, today: date) -> dict:
    """/workorder: preselects the client whose channel this is, or whose name was typed after the command."""
    options = [_opt(c.name, str(c.id)) for c in clients]
    key = text.strip().lower()
    chosen = (next((c for c in clients if key and c.name_key == key), None)
              or next((c for c in clients if channel_id and c.channel_id == channel_id), None))
    client_el = {"type": "static_select", "options": options, "placeholder": {"type": "plain_text", "text": "Client"}}
    if chosen:
        client_el["initial_option"] = _opt(chosen.name, str(chosen.id))
    currencies = [_opt(c, c) for c in CURRENCIES]
    blocks = [
        _input("client", "Client", client_el,
               hint=f"Showing {len(clients)} of {total} clients." if total > len(clients) else ""),
        _input("kind", "Kind of work", {"type": "static_select",
                                        "options": [_opt(v, k.value) for k, v in KIND_LABELS.items()]}),
        _input("title", "Title", _text(text.strip()[:TITLE_MAX] if not chosen else "", max_length=TITLE_MAX)),
        _input("brief", "Brief and requirements", _text(multiline=True, max_length=BRIEF_MAX), optional=True),
        _input("cost", "Estimated cost", _text(), hint="e.g. 1,200.50 — JPY and KRW have no decimals."),
        _input("currency", "Currency", {"type": "static_select", "options": currencies,
                                        "initial_option": currencies[0]}),
        _input("vendor", "Outsourced vendor", _text(max_length=VENDOR_MAX), optional=True,
               hint="Leave empty when the work is done in house."),
        _input("due_on", "Due date", {"type": "datepicker", "initial_date": str(today)}),
    ]
    return _modal(MODAL_CALLBACK, "New work order", "Create", {"channel": channel_id}, blocks)


def deliver_modal(card: WorkOrderCard) -> dict:
    wo = card.wo
    again = bool(wo.content_hash)
    blocks = [section(f"What was delivered for *{esc(plain(_head(wo, card.client), 300))}*?"
                      + (" Delivering again makes a new version: earlier sign-offs stop counting." if again else "")),
              _input("deliverable", "Deliverable", _text(wo.deliverable[:DELIVERABLE_MAX], multiline=True,
                                                         max_length=DELIVERABLE_MAX),
                     hint="What was handed over, with links to the files.")]
    return _modal(DELIVER_CALLBACK, "Deliver again" if again else "Mark delivered", "Save",
                  {"work_order_id": wo.id}, blocks)


def close_modal(card: WorkOrderCard) -> dict:
    wo = card.wo
    places = CURRENCIES.get(wo.currency, 2)
    hint = f"In {wo.currency}" + (", no decimals." if places == 0 else f", up to {places} decimals.")
    blocks = [section(f"Close *{esc(plain(_head(wo, card.client), 300))}*. Estimated: "
                      f"{money(wo.estimated_cost, wo.currency)}."),
              _input("actual_cost", f"Actual cost ({wo.currency})", _text(), hint=hint)]
    return _modal(CLOSE_CALLBACK, "Close job", "Close job", {"work_order_id": wo.id}, blocks)


def signers_modal(card: WorkOrderCard, contact_ids: list[str]) -> dict:
    wo = card.wo
    colleagues = [x.user_id for x in card.signers if x.role == "colleague"]
    picker = {"type": "multi_users_select"}
    if colleagues:
        picker["initial_users"] = colleagues
    note = (f"The client's contacts sign too: {mentions(contact_ids)}." if contact_ids
            else "This client has no contacts on file (add them with `/client edit`).")
    blocks = [section(f"Who worked on *{esc(plain(_head(wo, card.client), 300))}*? They sign off the deliverable "
                      f"(version {wo.version}). {note}"),
              _input("signers", "Colleagues who worked on it", picker, optional=bool(contact_ids))]
    return _modal(SIGNERS_CALLBACK, "Request sign-off", "Request", {"work_order_id": wo.id}, blocks)


def changes_modal(wo: WorkOrder) -> dict:
    blocks = [section(f"What should change in *{esc(plain(f'{wo.number} · {wo.title}', 300))}*? "
                      "The account executive gets your comment."),
              _input("comment", "Your comment", _text(multiline=True, max_length=3000))]
    return _modal(CHANGES_CALLBACK, "Request changes", "Send", {"work_order_id": wo.id}, blocks)
