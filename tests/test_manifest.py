"""manifest.yml must be a valid Slack app manifest that grants exactly the scopes dsbot uses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from dsbot.slack.transport.scopes import BOT_SCOPES, missing_scopes

REPO_ROOT = Path(__file__).resolve().parents[1]
MANIFEST = REPO_ROOT / "manifest.yml"
# Slack's manifest schema, vendored with its licence (tests/data/SOURCE.md).
SCHEMA = REPO_ROOT / "tests" / "data" / "manifest.schema.1.0.0.json"
EVENTS_URL = "https://dsbot.example.gouv.fr/slack/events"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def errors_of(validator: jsonschema.protocols.Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def http_mode(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest as its comments say to change it for `dsbot run --http`."""
    doc = copy.deepcopy(manifest)
    doc["settings"]["socket_mode_enabled"] = False
    doc["settings"]["interactivity"]["request_url"] = EVENTS_URL
    doc["settings"]["event_subscriptions"]["request_url"] = EVENTS_URL
    for command in doc["features"]["slash_commands"]:
        command["url"] = EVENTS_URL
    return doc


def test_manifest_validates_against_slack_schema(validator, manifest):
    assert errors_of(validator, manifest) == []


def test_schema_catches_a_broken_manifest(validator, manifest):
    # Proves the validation above has teeth: the schema rejects what Slack would reject.
    broken = copy.deepcopy(manifest)
    broken["features"]["slash_commands"][0]["command"] = "ds"  # must start with "/"
    broken["settings"]["socket_mode"] = True  # unknown key
    assert len(errors_of(validator, broken)) == 2


def test_manifest_grants_exactly_the_bot_scopes(manifest):
    bot = manifest["oauth_config"]["scopes"]["bot"]
    assert len(bot) == len(set(bot)), "duplicate scope"
    assert set(bot) == set(BOT_SCOPES)
    assert "user" not in manifest["oauth_config"]["scopes"], "dsbot acts only as its bot"


def test_every_scope_says_why():
    assert BOT_SCOPES
    for scope, why in BOT_SCOPES.items():
        assert ":" in scope or scope == "commands", scope
        assert len(why) > 10, scope


def test_manifest_defaults_to_socket_mode(manifest):
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    # Socket Mode takes no request URL anywhere.
    assert "request_url" not in settings["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_manifest_declares_the_ds_command(manifest):
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/ds"]
    ds = commands[0]
    assert "dossier" in ds["usage_hint"] and "aide" in ds["usage_hint"]
    # `lier @user` needs the user id, which Slack only sends when escaping is on.
    assert ds["should_escape"] is True
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["display_information"]["name"] == "DS Instruction"


def test_http_mode_variant_validates(validator, manifest):
    doc = http_mode(manifest)
    assert errors_of(validator, doc) == []
    assert doc["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    assert doc["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")


def test_http_mode_needs_https_urls(validator, manifest):
    doc = http_mode(manifest)
    doc["features"]["slash_commands"][0]["url"] = "dsbot.example.gouv.fr/slack/events"
    assert errors_of(validator, doc) != []


def test_manifest_comments_explain_http_mode():
    text = MANIFEST.read_text(encoding="utf-8")
    for field in ("request_url", "slash_commands[0].url", "/slack/events", "socket_mode_enabled"):
        assert field in text, field


@pytest.mark.parametrize(
    ("granted", "expected"),
    [
        (",".join(BOT_SCOPES), []),
        ("commands, chat:write , chat:write.public,files:read", list(BOT_SCOPES)[4:]),
        ("", list(BOT_SCOPES)),
        ([*BOT_SCOPES, "files:write"], []),
    ],
)
def test_missing_scopes(granted, expected):
    assert missing_scopes(granted) == expected


def test_home_tab_and_its_event(manifest):
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_manifest_declares_link_previews_and_the_reply_shortcut(manifest):
    from dsbot.slack import ids
    from dsbot.slack.interaction.dossier_refs import NATIONAL_HOSTS

    features = manifest["features"]
    assert set(features["unfurl_domains"]) == NATIONAL_HOSTS
    assert "link_shared" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"links:read", "links:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    [shortcut] = features["shortcuts"]
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == ids.SHORTCUT_REPLY_FROM_MESSAGE
    assert shortcut["name"] == "Répondre à l'usager"


def test_schema_refuses_an_unfurl_domain_with_a_scheme(validator, manifest):
    broken = copy.deepcopy(manifest)
    broken["features"]["unfurl_domains"] = ["https://demarche.numerique.gouv.fr"]
    assert len(errors_of(validator, broken)) == 1
