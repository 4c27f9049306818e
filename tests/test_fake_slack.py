"""Quick self-tests for tests/fake_slack.py, driven through real slack_sdk clients."""
import asyncio
import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

try:
    from tests.fake_slack import FakeSlack
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from fake_slack import FakeSlack


@pytest.fixture
def slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def client(slack):
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def test_auth_test_and_not_authed(slack, client):
    assert slack.api_url == slack.url + "/api/"
    resp = client.auth_test()
    assert resp["team_id"] == "T0ACME" and resp["user_id"] == "U0BOT" and resp["bot_id"] == "B0BOT"
    assert slack.calls_to("auth.test")[0].headers["Authorization"] == "Bearer xoxb-test"
    with pytest.raises(SlackApiError) as e:
        WebClient(base_url=slack.api_url).auth_test()
    assert e.value.response["error"] == "not_authed"


def test_post_message_json_and_form(slack, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    r1 = client.chat_postMessage(channel="C1", text="hello", blocks=blocks)  # JSON body
    r2 = client.api_call("chat.postMessage", data={"channel": "U42", "text": "dm",
                                                   "blocks": json.dumps(blocks)})  # form body
    assert float(r2["ts"]) > float(r1["ts"])
    assert r1["channel"] == "C1" and r2["channel"] == "D42"
    assert r1["message"]["user"] == "U0BOT" and r1["message"]["blocks"] == blocks
    calls = slack.wait_for("chat.postMessage", count=2)
    assert [c.text for c in calls] == ["hello", "dm"]
    assert calls[1].params["blocks"] == blocks  # decoded from the form string
    assert client.chat_update(channel="C1", ts=r1["ts"], text="edited")["ts"] == r1["ts"]
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    link = client.chat_getPermalink(channel="C1", message_ts="1764000000.000101")
    assert link["permalink"] == "https://acme.slack.com/archives/C1/p1764000000000101"
    assert client.conversations_open(users="U77,U88")["channel"]["id"] == "D77"
    assert client.api_call("some.unknownMethod")["ok"] is True


@pytest.mark.parametrize("kwargs, error", [
    ({"blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
    ({"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}, "invalid_blocks"),
    ({"blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]}, "invalid_blocks"),
    ({"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "invalid_blocks"),
    ({"text": "x" * 40001}, "msg_too_long"),
])
def test_message_limits(client, kwargs, error):
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", **{"text": "t", **kwargs})
    assert e.value.response["error"] == error


def test_not_in_channel_then_join(slack, client):
    slack.not_in_channel.add("C9")
    slack.private_channels.add("G1")
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C9", text="x")
    assert e.value.response["error"] == "not_in_channel"
    assert client.conversations_join(channel="C9")["channel"]["id"] == "C9"
    assert client.chat_postMessage(channel="C9", text="x")["ok"]
    with pytest.raises(SlackApiError) as e:
        client.conversations_join(channel="G1")
    assert e.value.response["error"] == "method_not_supported_for_channel_type"


def test_rate_limit_is_retried(slack):
    client = WebClient(token="xoxb-test", base_url=slack.api_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    slack.fail_next("chat.postMessage", retry_after=0)
    assert client.chat_postMessage(channel="C1", text="retry me")["ok"]
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_fail_next_error_and_reset(slack, client):
    slack.fail_next("chat.update", error="message_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            client.chat_update(channel="C1", ts="1.2", text="x")
        assert e.value.response["error"] == "message_not_found"
    assert client.chat_update(channel="C1", ts="1.2", text="x")["ok"]
    slack.fail_next("auth.test", status=500)
    slack.reset()
    assert slack.calls == [] and client.auth_test()["ok"]


def test_views(slack, client):
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Hello"},
            "blocks": [{"type": "divider"}], "private_metadata": "pm"}
    v = client.views_open(trigger_id="t1", view=view)["view"]
    assert v["id"].startswith("V") and v["hash"] and v["type"] == "modal" and v["private_metadata"] == "pm"
    assert client.views_update(view_id=v["id"], view=view)["view"]["id"] == v["id"]
    assert slack.calls_to("views.open")[0].params["view"]["title"]["text"] == "Hello"
    for bad in ({"title": {"type": "plain_text", "text": "t" * 25}},
                {"blocks": [{"type": "divider"}] * 101},
                {"private_metadata": "m" * 3001}):
        with pytest.raises(SlackApiError) as e:
            client.views_open(trigger_id="t1", view={**view, **bad})
        assert e.value.response["error"] == "invalid_arguments"
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["ok"]


def test_users_info(slack, client):
    slack.users["U2"] = {"real_name": "Ada", "tz": "Europe/London", "tz_offset": 0}
    ada = client.users_info(user="U2")["user"]
    assert (ada["real_name"], ada["tz"], ada["tz_offset"], ada["profile"]["real_name"]) == \
        ("Ada", "Europe/London", 0, "Ada")
    other = client.users_info(user="U3")["user"]
    assert (other["tz"], other["tz_offset"], other["locale"], other["real_name"]) == \
        ("America/New_York", -18000, "en-US", "U3")


def test_response_url_and_wait_for(slack):
    resp = WebhookClient(slack.response_url("abc")).send(text="done", replace_original=True)
    assert resp.status_code == 200 and resp.body == "ok"
    call = slack.wait_for("response_url", where=lambda c: c.params["_key"] == "abc")[0]
    assert call.text == "done" and call.params["replace_original"] is True
    with pytest.raises(AssertionError, match="response_url"):
        slack.wait_for("chat.postMessage", timeout=0.05)


def test_async_client(slack):
    async def main():
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        return await client.chat_postMessage(channel="C1", text="async")
    assert asyncio.run(main())["ok"]
    assert slack.calls_to("chat.postMessage")[0].text == "async"


# ---- message store, metadata, conversations.history, delay ------------------------------

META = {"event_type": "ae_minutes", "event_payload": {"meeting_id": 7, "kind": "draft"}}


def test_metadata_is_stored_and_returned_by_history(slack, client):
    r1 = client.chat_postMessage(channel="C1", text="with meta", metadata=META)       # JSON body, dict
    r2 = client.api_call("chat.postMessage", data={"channel": "C1", "text": "form meta",
                                                   "metadata": json.dumps(META)})    # form body, string
    client.chat_postMessage(channel="C1", text="plain")
    assert r1["message"]["metadata"] == META and r2["ok"]
    plain = client.conversations_history(channel="C1")
    assert [m["text"] for m in plain["messages"]] == ["plain", "form meta", "with meta"]  # newest first
    assert all("metadata" not in m for m in plain["messages"])
    assert plain["has_more"] is False and plain["response_metadata"]["next_cursor"] == ""
    m0 = plain["messages"][0]
    assert (m0["type"], m0["user"], m0["bot_id"]) == ("message", "U0BOT", "B0BOT")
    for flag in (True, "true", "1"):
        msgs = client.api_call("conversations.history", http_verb="GET",
                               params={"channel": "C1", "include_all_metadata": flag})["messages"]
        assert [m.get("metadata") for m in msgs] == [None, META, META]
    assert client.conversations_history(channel="C1", include_all_metadata=False)["messages"][1].get("metadata") is None


def test_bad_metadata(slack, client):
    with pytest.raises(SlackApiError) as e:
        client.api_call("chat.postMessage", data={"channel": "C1", "text": "x", "metadata": "{not json"})
    assert e.value.response["error"] == "invalid_metadata_format"
    # Slack posts the message but ignores metadata with an invalid event_type, with a warning.
    r = client.chat_postMessage(channel="C1", text="y", metadata={"event_type": "a.b", "event_payload": {}})
    assert r["ok"] and r["warning"] == "invalid_metadata_schema"
    assert [m["metadata"] for m in slack.messages_in("C1")] == [None]


def test_dm_by_user_id_is_stored_under_the_open_channel(slack, client):
    dm = client.conversations_open(users="U0BOB")["channel"]["id"]
    assert dm == "D0BOB"
    r = client.chat_postMessage(channel="U0BOB", text="hi bob", metadata=META)
    assert r["channel"] == dm
    client.chat_postMessage(channel=dm, text="again")
    assert [m["text"] for m in slack.messages_in("U0BOB")] == ["hi bob", "again"]
    assert slack.messages_in("D0BOB") == slack.messages_in("U0BOB")
    assert slack.messages_in("U0BOB")[0]["metadata"] == META
    hist = client.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [m["text"] for m in hist] == ["again", "hi bob"] and hist[1]["metadata"] == META


def test_update_and_delete_change_the_stored_message(slack, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v1"}}]
    ts = client.chat_postMessage(channel="U0BOB", text="v1", blocks=blocks, metadata=META)["ts"]
    client.chat_update(channel="D0BOB", ts=ts, text="v2")            # blocks and metadata kept
    m = slack.messages_in("D0BOB")[0]
    assert (m["ts"], m["text"], m["blocks"], m["metadata"]) == (ts, "v2", blocks, META)
    new_meta = {"event_type": "ae_minutes", "event_payload": {"meeting_id": 7, "kind": "final"}}
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v3"}}]
    client.chat_update(channel="D0BOB", ts=ts, text="v3", blocks=new_blocks, metadata=new_meta)
    m = slack.messages_in("D0BOB")[0]
    assert (m["text"], m["blocks"], m["metadata"]) == ("v3", new_blocks, new_meta)
    hist = client.conversations_history(channel="D0BOB", include_all_metadata=True)["messages"]
    assert hist[0]["text"] == "v3" and hist[0]["metadata"] == new_meta
    assert client.chat_update(channel="C1", ts="1.2", text="never posted")["ok"]   # still answers ok
    assert slack.messages_in("C1") == []
    client.chat_delete(channel="D0BOB", ts=ts)
    assert slack.messages_in("D0BOB") == []


def test_history_window_threads_and_unknown_channel(slack, client):
    ts = [client.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(5)]
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=ts[1])["ts"]
    client.chat_postMessage(channel="C1", text="broadcast", thread_ts=ts[1], reply_broadcast=True)
    client.chat_postMessage(channel="C2", text="elsewhere")
    texts = lambda **kw: [m["text"] for m in client.conversations_history(channel="C1", **kw)["messages"]]
    assert texts() == ["broadcast", "m4", "m3", "m2", "m1", "m0"]        # replies left out
    assert texts(oldest=ts[1], latest=ts[3]) == ["m3", "m2"]              # (oldest, latest]
    assert texts(oldest=ts[1], latest=ts[3], inclusive=True) == ["m3", "m2", "m1"]
    assert texts(latest=ts[0]) == ["m0"]
    assert texts(oldest=reply) == ["broadcast"]
    parent = next(m for m in client.conversations_history(channel="C1")["messages"] if m["ts"] == ts[1])
    assert parent["reply_count"] == 2 and parent["thread_ts"] == ts[1]
    assert [m["text"] for m in slack.messages_in("C1")] == ["m0", "m1", "m2", "m3", "m4", "broadcast"]
    empty = client.conversations_history(channel="C404")
    assert empty["ok"] is True and empty["messages"] == []
    slack.not_in_channel.add("C9")
    with pytest.raises(SlackApiError) as e:
        client.conversations_history(channel="C9")
    assert e.value.response["error"] == "not_in_channel"


def test_history_pagination(slack, client):
    posted = [client.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(7)]
    first = client.conversations_history(channel="C1", limit=3)
    assert [m["ts"] for m in first["messages"]] == posted[:3:-1] and first["has_more"] is True
    seen, cursor = [], None
    while True:
        page = client.conversations_history(channel="C1", limit=3, cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert seen == posted[::-1]
    windowed = [m["text"] for page in client.conversations_history(channel="C1", limit=2, oldest=posted[1],
                                                                   latest=posted[5])
                for m in page["messages"]]            # slack_sdk's iterator follows next_cursor
    assert windowed == ["m5", "m4", "m3", "m2"]
    assert len(client.conversations_history(channel="C1")["messages"]) == 7     # default limit 100
    with pytest.raises(SlackApiError) as e:
        client.conversations_history(channel="C1", cursor="!!bogus")
    assert e.value.response["error"] == "invalid_cursor"


def test_failed_posts_are_not_stored(slack, client):
    slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="lost")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x" * 40001)
    assert slack.messages_in("C1") == []
    client.chat_postMessage(channel="C1", text="kept")
    slack.reset()                                   # clears the call log, not Slack's messages
    assert [m["text"] for m in slack.messages_in("C1")] == ["kept"]


def test_delay_per_method_is_threaded(slack):
    import threading
    import time
    asked = []
    slack.delay["chat.update"] = lambda: asked.append(1) or 0.8
    slack.delay["auth.test"] = 0.2
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    t0 = time.monotonic()
    client.auth_test()
    assert time.monotonic() - t0 >= 0.2
    t0 = time.monotonic()
    ts = client.chat_postMessage(channel="C1", text="fast")["ts"]
    assert time.monotonic() - t0 < 0.2                              # undelayed method
    done = {}
    slow = threading.Thread(target=lambda: done.update(
        r=WebClient(token="xoxb-test", base_url=slack.api_url).chat_update(channel="C1", ts=ts, text="slow")))
    t1 = time.monotonic()
    slow.start()
    slack.wait_for("chat.update")                                   # recorded on arrival, answered later
    client.chat_postMessage(channel="C1", text="meanwhile")          # not blocked by the sleeping update
    assert time.monotonic() - t1 < 0.6 and "r" not in done
    slow.join(5)
    assert done["r"]["ok"] and time.monotonic() - t1 >= 0.8 and asked == [1]
    assert [m["text"] for m in slack.messages_in("C1")] == ["slow", "meanwhile"]


def test_auth_test_identity(client):
    r = client.auth_test()
    assert (r["team_id"], r["user_id"], r["bot_id"], r["team"], r["url"]) == \
        ("T0ACME", "U0BOT", "B0BOT", "Acme", "https://acme.slack.com/")
    with FakeSlack(team_id="T0OTHER", bot_user_id="U0B2", bot_id="B0B2", team_name="Other",
                   team_domain="other") as fake:
        r = WebClient(token="xoxb-test", base_url=fake.api_url).auth_test()
        assert (r["team_id"], r["user_id"], r["bot_id"], r["team"], r["url"]) == \
            ("T0OTHER", "U0B2", "B0B2", "Other", "https://other.slack.com/")
        m = WebClient(token="xoxb-test", base_url=fake.api_url).chat_postMessage(channel="C1", text="x")
        assert (m["message"]["user"], m["message"]["bot_id"]) == ("U0B2", "B0B2")
