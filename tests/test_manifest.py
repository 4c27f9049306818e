"""Validate app_manifest.yml against the shared Slack app manifest JSON Schema.

The schema (SchemaStore's slack-app-manifest.json) lags Slack's newest keys;
Slack's own apps.manifest.validate API is the final word.
"""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

EXPECTED_COMMANDS = {"/invoice", "/minutes", "/task", "/ae", "/goals", "/workorder", "/client", "/call"}
REQUIRED_BOT_SCOPES = {"commands", "chat:write", "im:write", "users:read"}
REQUIRED_BOT_EVENTS = {"app_home_opened"}

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST_PATH = REPO_ROOT / "app_manifest.yml"
SCHEMA_PATH = REPO_ROOT / "tests" / "fixtures" / "schemas" / "slack-app-manifest.schema.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    with MANIFEST_PATH.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict), f"{MANIFEST_PATH} did not load as a mapping"
    return data


@pytest.fixture(scope="module")
def validator():
    with SCHEMA_PATH.open(encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)  # draft-07 per "$schema"
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator, instance) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
    ]


def test_manifest_validates_against_schema(manifest, validator):
    errors = _errors(validator, manifest)
    assert not errors, "app_manifest.yml does not match the schema:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    "breakage",
    ["slash_command_without_description", "unknown_top_level_key", "bad_background_color"],
)
def test_broken_manifest_is_rejected(manifest, validator, breakage):
    broken = copy.deepcopy(manifest)
    if breakage == "slash_command_without_description":
        del broken["features"]["slash_commands"][0]["description"]
    elif breakage == "unknown_top_level_key":
        broken["not_a_manifest_key"] = True
    elif breakage == "bad_background_color":
        broken["display_information"]["background_color"] = "navy"
    assert _errors(validator, broken), f"schema accepted a broken manifest ({breakage})"


def test_manifest_declares_what_the_bot_needs(manifest):
    features = manifest["features"]
    settings = manifest["settings"]

    commands = [c["command"] for c in features["slash_commands"]]
    assert len(commands) == len(set(commands)), f"duplicate slash commands: {commands}"
    assert set(commands) == EXPECTED_COMMANDS

    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert REQUIRED_BOT_SCOPES <= scopes, f"missing bot scopes: {REQUIRED_BOT_SCOPES - scopes}"

    events = set(settings["event_subscriptions"]["bot_events"])
    assert REQUIRED_BOT_EVENTS <= events, f"missing bot events: {REQUIRED_BOT_EVENTS - events}"

    assert features["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True


def test_task_command_escapes_mentions(manifest):
    task = next(c for c in manifest["features"]["slash_commands"] if c["command"] == "/task")
    assert task["should_escape"] is True, "/task needs <@U…> escaped mentions"
