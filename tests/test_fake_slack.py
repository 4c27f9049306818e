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
