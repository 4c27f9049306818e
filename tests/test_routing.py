"""The router: Bolt sees one listener per kind, ids are looked up in a table, and a listener is either
work behind the ack or one that acks itself — never both by accident."""
from __future__ import annotations

import pytest

from bot.db import Database
from bot.settings import Settings
from bot.slack_app import create_app
from handlers import routes
from handlers.routing import Router, route_key


def test_bolt_sees_one_listener_per_kind_however_many_routes(tmp_path):
    settings = Settings(slack_bot_token="xoxb-x", slack_signing_secret="s", _env_file=None,
                        database_url=f"sqlite:///{tmp_path / 'r.db'}")
    db = Database(settings.database_url)
    try:
        app = create_app(settings, db)
        table = routes(db).routes
        assert sum(len(t) for t in table.values()) > 40
        # One matcher per request instead of one per route (each Bolt matcher call costs ~10 µs).
        assert len(app._async_listeners) == sum(1 for t in table.values() if t) == 4
    finally:
        db.dispose()


def test_every_slash_command_in_the_manifest_has_a_route(tmp_path):
    import yaml

    manifest = yaml.safe_load(open("app_manifest.yml"))
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(routes(Database(f"sqlite:///{tmp_path / 'r.db'}")).routes["command"])


def test_a_work_listener_cannot_take_ack_and_an_own_ack_one_must():
    router = Router()
    with pytest.raises(TypeError):
        @router.action("a")
        async def work(ack, body, client):   # would ack twice: the front already did
            ...
    with pytest.raises(TypeError):
        @router.action("b", own_ack=True)
        async def own(body, client):          # would never ack
            ...


def test_two_listeners_for_one_id_are_refused():
    router = Router()

    @router.command("/x")
    async def first(body, client):
        ...

    with pytest.raises(ValueError):
        @router.command("/x")
        async def second(body, client):
            ...


def test_route_keys_from_real_payload_shapes():
    from harness import example

    command, action, view, event = (example("slash_command.txt"), example("block_actions.json"),
                                    example("view_submission.json"), example("app_home_opened.json"))
    assert route_key("command", command) == "/minutes"
    assert route_key("action", action) == action["actions"][0]["action_id"]
    assert route_key("view", view) == view["view"]["callback_id"]
    assert route_key("event", event) == "app_home_opened"
