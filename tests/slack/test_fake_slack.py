"""The fake Slack answers slack_sdk's real clients as Slack does (tests/fakes/slack_api.py)."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from dsbot.slack.transport.scopes import BOT_SCOPES
from tests.backends.ds.fake_clock import FakeClock
from tests.fakes.slack_api import BOT_TOKEN, BOT_USER_ID, TEAM_ID, FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Dossier 42*"}}
MODAL = {
    "type": "modal",
    "callback_id": "accepter",
    "title": {"type": "plain_text", "text": "Accepter"},
    "submit": {"type": "plain_text", "text": "Valider"},
    "blocks": [
        {
            "type": "input",
            "block_id": "motivation",
            "label": {"type": "plain_text", "text": "Motivation"},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        }
    ],
    "private_metadata": '{"dossier": 42}',
}


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return excinfo.value.response["error"]


# ------------------------------------------------------------------- messages


def test_post_then_update_in_place(fake_slack: FakeSlack, slack_client: WebClient):
    posted = slack_client.chat_postMessage(channel="C1", text="Nouveau dossier", blocks=[SECTION])
    ts = posted["ts"]
    assert re.fullmatch(r"\d{10}\.\d{6}", ts)
    assert posted["channel"] == "C1"
    assert posted["message"]["text"] == "Nouveau dossier"

    updated = slack_client.chat_update(channel="C1", ts=ts, text="Dossier accepté", blocks=[])
    assert updated["ts"] == ts

    [message] = fake_slack.messages("C1")
    assert message["ts"] == ts
    assert message["text"] == "Dossier accepté"
    assert message["blocks"] == []
    assert message["edited"]["user"] == BOT_USER_ID
    assert message["history"] == [
        {"text": "Nouveau dossier", "blocks": [SECTION], "attachments": None, "metadata": None}
    ]
    call = fake_slack.calls("chat.update")[0]
    assert call.params["ts"] == ts
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"


def test_update_of_unknown_message_is_message_not_found(slack_client: WebClient):
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_update(channel="C1", ts="1700000000.999999", text="x")
    assert slack_error(excinfo) == "message_not_found"


def test_ts_are_unique_and_increasing_across_threads(fake_slack: FakeSlack):
    fake_slack.post_interval = None  # many posts at once in a channel: not what this tests
    stamps: list[str] = []

    def post(n: int) -> None:
        client = fake_slack.client()
        for i in range(5):
            stamps.append(client.chat_postMessage(channel=f"C{n % 2}", text=str(i))["ts"])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stamps) == len(set(stamps)) == 20
    for channel in ("C0", "C1"):
        listed = [m["ts"] for m in fake_slack.messages(channel)]
        assert listed == sorted(listed, key=float) and len(listed) == 10


def test_threads_broadcast_permalink_and_delete(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.post_interval = None  # many posts at once in a channel: not what this tests
    parent = slack_client.chat_postMessage(channel="C1", text="parent")["ts"]
    reply = slack_client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)["ts"]
    # A reply to a reply lands in the parent's thread, as in Slack.
    nested = slack_client.chat_postMessage(channel="C1", text="nested", thread_ts=reply)["ts"]
    broadcast = slack_client.chat_postMessage(
        channel="C1", text="accepté", thread_ts=parent, reply_broadcast=True
    )["ts"]

    assert [m["ts"] for m in fake_slack.thread("C1", parent)] == [reply, nested, broadcast]
    assert [m["ts"] for m in fake_slack.top_level("C1")] == [parent, broadcast]
    root = fake_slack.message("C1", parent)
    assert root is not None and root["reply_count"] == 3

    link = slack_client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert link.endswith(f"/archives/C1/p{reply.replace('.', '')}?thread_ts={parent}&cid=C1")

    slack_client.chat_delete(channel="C1", ts=nested)
    assert fake_slack.message("C1", nested) is None
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_getPermalink(channel="C1", message_ts=nested)
    assert slack_error(excinfo) == "message_not_found"


def test_message_needs_text_or_blocks(slack_client: WebClient):
    with pytest.raises(SlackApiError) as excinfo, pytest.warns(UserWarning, match="text"):
        slack_client.chat_postMessage(channel="C1")
    assert slack_error(excinfo) == "no_text"


def test_ephemeral_is_recorded_apart(fake_slack: FakeSlack, slack_client: WebClient):
    slack_client.chat_postEphemeral(channel="C1", user="U1", text="Vous n'êtes pas lié")
    assert fake_slack.messages("C1") == []
    [ephemeral] = fake_slack.ephemerals(channel="C1", user="U1")
    assert ephemeral["text"] == "Vous n'êtes pas lié"


def test_direct_message_to_a_user(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.post_interval = None  # many posts at once in a channel: not what this tests
    fake_slack.add_user("U0ADMIN", "admin@example.gouv.fr", is_admin=True)
    channel = slack_client.conversations_open(users="U0ADMIN")["channel"]["id"]
    assert channel == fake_slack.dm_channel("U0ADMIN")
    slack_client.chat_postMessage(channel=channel, text="Abonnement désactivé")
    slack_client.chat_postMessage(channel="U0ADMIN", text="Posted with the user id")
    assert [m["text"] for m in fake_slack.messages("U0ADMIN")] == [
        "Abonnement désactivé",
        "Posted with the user id",
    ]


# ------------------------------------------------------------------- channels and users


def test_channel_rules(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.add_channel("C1", "instruction")
    fake_slack.add_channel("C2", "public-not-joined", is_member=False)
    fake_slack.add_channel("C3", "secret", is_private=True, is_member=False)
    fake_slack.add_channel("C4", "old", is_archived=True)

    info = slack_client.conversations_info(channel="C1")["channel"]
    assert (info["name"], info["is_private"], info["is_member"]) == ("instruction", False, True)
    # chat:write.public lets the bot post in a public channel it has not joined.
    assert slack_client.chat_postMessage(channel="C2", text="x")["ok"]
    assert slack_client.chat_postMessage(channel="#instruction", text="x")["channel"] == "C1"

    for channel, method, error in [
        ("C3", "conversations_info", "channel_not_found"),  # private, bot not invited
        ("C9", "conversations_info", "channel_not_found"),
        ("C3", "chat_postMessage", "channel_not_found"),
        ("C4", "chat_postMessage", "is_archived"),
    ]:
        with pytest.raises(SlackApiError) as excinfo:
            getattr(slack_client, method)(channel=channel, text="x")
        assert slack_error(excinfo) == error, (channel, method)

    fake_slack.scopes.remove("chat:write.public")
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_postMessage(channel="C2", text="x")
    assert slack_error(excinfo) == "not_in_channel"

    fake_slack.update_channel("C1", is_archived=True)  # archived after subscribing
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_postMessage(channel="C1", text="x")
    assert slack_error(excinfo) == "is_archived"


def test_strict_channels_rejects_unregistered_ids(fake_slack: FakeSlack, slack_client):
    assert slack_client.chat_postMessage(channel="C404", text="x")["ok"]
    fake_slack.strict_channels = True
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_postMessage(channel="C404", text="x")
    assert slack_error(excinfo) == "channel_not_found"


def test_users_info_and_lookup(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.add_user("U1", "Marie.Curie@Example.gouv.fr", name="marie", is_owner=True)
    user = slack_client.users_info(user="U1")["user"]
    assert user["profile"]["email"] == "Marie.Curie@Example.gouv.fr"
    assert (user["is_owner"], user["is_admin"], user["tz"]) == (True, False, "Europe/Paris")
    found = slack_client.users_lookupByEmail(email="marie.curie@example.gouv.fr")["user"]
    assert found["id"] == "U1"

    with pytest.raises(SlackApiError) as excinfo:
        slack_client.users_info(user="U404")
    assert slack_error(excinfo) == "user_not_found"
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.users_lookupByEmail(email="nobody@example.gouv.fr")
    assert slack_error(excinfo) == "users_not_found"

    # Without users:read.email Slack leaves the email out.
    fake_slack.scopes.remove("users:read.email")
    assert "email" not in slack_client.users_info(user="U1")["user"]["profile"]


# ------------------------------------------------------------------- auth, scopes, errors


def test_auth_test_and_scopes_header(fake_slack: FakeSlack, slack_client: WebClient):
    answer = slack_client.auth_test()
    assert answer["team_id"] == TEAM_ID
    assert answer["user_id"] == BOT_USER_ID
    assert answer["bot_id"] and answer["url"].startswith("https://")
    assert answer.headers["x-oauth-scopes"].split(",") == list(BOT_SCOPES)

    fake_slack.scopes = ["commands", "chat:write"]
    assert slack_client.auth_test().headers["x-oauth-scopes"] == "commands,chat:write"


def test_bad_tokens(fake_slack: FakeSlack):
    for token, error in [("xoxb-wrong", "invalid_auth"), (None, "not_authed")]:
        with pytest.raises(SlackApiError) as excinfo:
            WebClient(token=token, base_url=fake_slack.api_url).auth_test()
        assert slack_error(excinfo) == error
    fake_slack.revoke_token()
    with pytest.raises(SlackApiError) as excinfo:
        fake_slack.client().chat_postMessage(channel="C1", text="x")
    assert slack_error(excinfo) == "token_revoked"
    assert [c.ok for c in fake_slack.calls()] == [False, False, False]


def test_missing_scope(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.add_file(b"x", "a.txt", "text/plain")
    fake_slack.scopes.remove("files:read")
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.files_info(file="F1")
    assert slack_error(excinfo) == "missing_scope"
    assert excinfo.value.response["needed"] == "files:read"


def test_one_post_a_second_per_channel_and_updates_are_not_limited():
    clock = FakeClock()
    with FakeSlack(clock=clock) as fake:
        client = fake.client()
        ts = client.chat_postMessage(channel="C1", text="1")["ts"]
        clock.sleep(0.999)
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="2", thread_ts=ts)  # threads count too
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["Retry-After"] == "1"
        assert client.chat_postMessage(channel="C2", text="elsewhere")["ok"]
        for n in range(5):  # chat.update is Tier 3: no per-channel slot
            assert client.chat_update(channel="C1", ts=ts, text=f"v{n}")["ok"]
        # The refused post did not count: a second after the accepted one, the next goes.
        clock.sleep(0.001)
        assert client.chat_postMessage(channel="C1", text="2")["ok"]
        assert [c.status for c in fake.rate_limited()] == [429]
        assert len(fake.messages("C1")) == 2


def test_the_posting_limit_can_be_turned_off(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.post_interval = None
    for n in range(3):
        assert slack_client.chat_postMessage(channel="C1", text=str(n))["ok"]


def test_rate_limit_retried_by_slack_sdk(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.fail("chat.postMessage", retry_after=1)
    slack_client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    assert slack_client.chat_postMessage(channel="C1", text="hello")["ok"]

    first, second = fake_slack.calls("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert (second.status, second.ok) == (200, True)
    assert second.at - first.at >= 1.0, "slack_sdk waited Retry-After"
    assert len(fake_slack.messages("C1")) == 1


def test_rate_limit_without_retry_handler(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.fail("*", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            slack_client.users_info(user=BOT_USER_ID)
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["Retry-After"] == "7"
    assert slack_client.users_info(user=BOT_USER_ID)["ok"]


def test_injected_errors(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.fail("chat.postMessage", error="channel_not_found", times=None)
    for _ in range(3):
        with pytest.raises(SlackApiError) as excinfo:
            slack_client.chat_postMessage(channel="C1", text="x")
        assert excinfo.value.response.status_code == 200
        assert slack_error(excinfo) == "channel_not_found"
    fake_slack.clear_failures()
    assert slack_client.chat_postMessage(channel="C1", text="x")["ok"]


def test_server_error_injection(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.fail("views.open", error="internal_error", status=503)
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_open(trigger_id="t1", view=MODAL)
    assert excinfo.value.response.status_code == 503


# ------------------------------------------------------------------- argument validation


def test_required_arguments_come_from_the_openapi_description(
    fake_slack: FakeSlack, slack_client: WebClient
):
    fake_slack.scopes.append("files:write")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("chat.postMessage", {"text": "no channel"}, "channel"),
        ("chat.update", {"channel": "C1", "text": "no ts"}, "ts"),
        ("views.open", {"view": MODAL}, "trigger_id"),
        ("views.open", {"trigger_id": "", "view": MODAL}, "trigger_id"),
        ("users.lookupByEmail", {}, "email"),
        ("chat.postEphemeral", {"channel": "C1", "text": "x"}, "user"),
        ("files.getUploadURLExternal", {"filename": "a.pdf"}, "length"),
    ]
    for method, args, missing in cases:
        with pytest.raises(SlackApiError) as excinfo:
            slack_client.api_call(method, json=args)
        assert slack_error(excinfo) == "invalid_arguments", method
        messages = excinfo.value.response["response_metadata"]["messages"]
        assert messages == [f"[ERROR] missing required field: {missing}"], method


def test_unknown_methods_answer_ok(fake_slack: FakeSlack, slack_client: WebClient):
    # Known to the 2021 description without a behaviour here, and newer than it.
    assert slack_client.api_call("chat.meMessage", json={"channel": "C1", "text": "x"})["ok"]
    assert slack_client.api_call("assistant.threads.setStatus")["ok"]
    assert [c.method for c in fake_slack.calls()] == [
        "chat.meMessage",
        "assistant.threads.setStatus",
    ]
    # ... but still subject to the scopes the description lists.
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.api_call("dnd.info")
    assert excinfo.value.response["needed"] == "dnd:read"


def test_legacy_multipart_upload_is_refused(slack_client: WebClient):
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.api_call("files.upload", files={"file": b"x"}, data={"channels": "C1"})
    assert slack_error(excinfo) == "invalid_form_data"


def test_blocks_are_checked(slack_client: WebClient):
    bad = [
        "not json",
        [{"text": "no type"}],
        [SECTION] * 51,
        [{"type": "header", "text": {"type": "mrkdwn", "text": "headers are plain"}}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "section", "block_id": "a", "text": SECTION["text"]}] * 2,
    ]
    for blocks in bad:
        # Form encoding, as slack_sdk does for some methods: blocks travel as JSON text.
        text = blocks if isinstance(blocks, str) else json.dumps(blocks)
        with pytest.raises(SlackApiError) as excinfo:
            slack_client.api_call(
                "chat.postMessage", data={"channel": "C1", "text": "x", "blocks": text}
            )
        assert slack_error(excinfo) == "invalid_blocks", blocks
        assert excinfo.value.response["response_metadata"]["messages"]


def test_form_and_json_arguments_read_the_same(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.post_interval = None  # many posts at once in a channel: not what this tests
    slack_client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "f", "blocks": json.dumps([SECTION])}
    )
    slack_client.api_call(
        "chat.postMessage", json={"channel": "C1", "text": "j", "blocks": [SECTION]}
    )
    slack_client.api_call("chat.postMessage", params={"channel": "C1", "text": "q"})
    form, as_json, query = fake_slack.calls("chat.postMessage")
    assert form.params["blocks"] == as_json.params["blocks"] == [SECTION]
    assert query.params["channel"] == "C1"
    assert form.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert as_json.headers["content-type"].startswith("application/json")


# ------------------------------------------------------------------- views


def test_modal_open_update_push(fake_slack: FakeSlack, slack_client: WebClient):
    view = slack_client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["callback_id"] == "accepter"
    assert view["private_metadata"] == '{"dossier": 42}'

    loaded = {**MODAL, "title": {"type": "plain_text", "text": "Accepter le dossier"}}
    updated = slack_client.views_update(view_id=view["id"], hash=view["hash"], view=loaded)["view"]
    assert updated["hash"] != view["hash"]
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_update(view_id=view["id"], hash=view["hash"], view=loaded)
    assert slack_error(excinfo) == "hash_conflict"
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_update(view_id="V404", view=loaded)
    assert slack_error(excinfo) == "not_found"
    titles = [v["title"]["text"] for v in fake_slack.view_versions(view["id"])]
    assert titles == ["Accepter", "Accepter le dossier"]

    pushed = slack_client.views_push(trigger_id="789.1.x", view=MODAL)["view"]
    assert [v["id"] for v in fake_slack.views()] == [view["id"], pushed["id"]]


def test_trigger_ids_expire_and_are_single_use(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.expired_trigger_ids.add("old")
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_open(trigger_id="old", view=MODAL)
    assert slack_error(excinfo) == "expired_trigger_id"
    slack_client.views_open(trigger_id="fresh", view=MODAL)
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_open(trigger_id="fresh", view=MODAL)
    assert slack_error(excinfo) == "exchanged_trigger_id"


def test_views_are_checked(slack_client: WebClient):
    no_submit = {k: v for k, v in MODAL.items() if k != "submit"}
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    no_type = {k: v for k, v in MODAL.items() if k != "type"}
    for n, view in enumerate([no_submit, long_title, no_type, "{not json"]):
        with pytest.raises(SlackApiError) as excinfo:
            # A string where slack_sdk types a dict: the fake must refuse what Slack refuses.
            slack_client.views_open(trigger_id=f"t{n}", view=view)  # type: ignore[arg-type]
        assert slack_error(excinfo) == "invalid_arguments", view


def test_views_publish(fake_slack: FakeSlack, slack_client: WebClient):
    home = {"type": "home", "blocks": [SECTION]}
    first = slack_client.views_publish(user_id="U1", view=home)["view"]
    again = slack_client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == again["id"]
    published = fake_slack.home_view("U1")
    assert published is not None and published["blocks"] == [SECTION]


def test_views_publish_checks_its_arguments(fake_slack: FakeSlack, slack_client: WebClient):
    home = {"type": "home", "blocks": [SECTION]}
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.api_call("views.publish", json={"view": home})
    assert slack_error(excinfo) == "invalid_arguments"
    too_many = {"type": "home", "blocks": [SECTION] * 101}
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_publish(user_id="U1", view=too_many)
    assert slack_error(excinfo) == "invalid_arguments"
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.views_publish(user_id="U1", view={**home, "type": "modal"})
    assert slack_error(excinfo) == "invalid_arguments"
    assert fake_slack.home_view("U1") is None


def test_latency_injection(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.set_latency("views.open", 0.3)
    started = time.monotonic()
    slack_client.views_open(trigger_id="t", view=MODAL)
    assert time.monotonic() - started >= 0.3


# ------------------------------------------------------------------- files


def test_file_download_needs_the_bot_token(fake_slack: FakeSlack, slack_client: WebClient):
    pdf = b"%PDF-1.4 justificatif"
    added = fake_slack.add_file(pdf, "décision signée.pdf", "application/pdf")
    assert added["id"].startswith("F") and added["size"] == len(pdf)
    assert added["filetype"] == "pdf"

    file = slack_client.files_info(file=added["id"])["file"]
    assert file["url_private_download"] == added["url_private_download"]
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.files_info(file="F404")
    assert slack_error(excinfo) == "file_not_found"

    url = file["url_private_download"]
    ok = httpx.get(url, headers={"Authorization": f"Bearer {BOT_TOKEN}"})
    assert ok.status_code == 200 and ok.content == pdf
    assert ok.headers["content-type"] == "application/pdf"
    for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}):
        login = httpx.get(url, headers=headers)
        # Like Slack: not an error status, an HTML sign-in page.
        assert login.status_code == 200
        assert login.headers["content-type"].startswith("text/html")
        assert login.content != pdf
    assert [d.authorized for d in fake_slack.downloads()] == [True, False, False]
    assert httpx.get(file["url_private"], headers=ok.request.headers).content == pdf


def test_file_download_through_a_redirect(fake_slack: FakeSlack):
    added = fake_slack.add_file(b"scan", "scan.png", "image/png", redirect=True)
    auth = {"Authorization": f"Bearer {BOT_TOKEN}"}
    first = httpx.get(added["url_private_download"], headers=auth)
    assert first.status_code == 302
    followed = httpx.get(added["url_private_download"], headers=auth, follow_redirects=True)
    assert followed.status_code == 200 and followed.content == b"scan"


def test_files_upload_v2(fake_slack: FakeSlack, slack_client: WebClient):
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.files_upload_v2(channel="C1", content=b"x", filename="x.txt")
    assert excinfo.value.response["needed"] == "files:write"  # dsbot does not ask for it

    fake_slack.scopes.append("files:write")
    done = slack_client.files_upload_v2(
        channel="C1", content=b"export", filename="export.csv", initial_comment="Export"
    )
    file_id = done["file"]["id"]
    assert fake_slack.file_content(file_id) == b"export"
    [message] = fake_slack.messages("C1")
    assert message["text"] == "Export" and message["files"][0]["id"] == file_id


# ------------------------------------------------------------------- response URLs


def test_response_url_records_posts(fake_slack: FakeSlack):
    url = fake_slack.response_url(channel="C1", user="U1")
    assert url.startswith(fake_slack.base_url)
    sent = WebhookClient(url).send(text="Dossier 42", response_type="ephemeral")
    assert sent.status_code == 200
    [response] = fake_slack.wait_for_response(url)
    assert response.body == {"text": "Dossier 42", "response_type": "ephemeral"}
    assert fake_slack.ephemerals(user="U1")[0]["text"] == "Dossier 42"
    assert fake_slack.responses("R9999") == []


def test_response_url_replaces_and_deletes_the_original(
    fake_slack: FakeSlack, slack_client: WebClient
):
    ts = slack_client.chat_postMessage(channel="C1", text="carte")["ts"]
    url = fake_slack.response_url(channel="C1", message_ts=ts)
    WebhookClient(url).send(text="carte à jour", replace_original=True)
    message = fake_slack.message("C1", ts)
    assert message is not None
    assert message["text"] == "carte à jour" and message["history"][0]["text"] == "carte"
    WebhookClient(url).send(text="partagé", response_type="in_channel")
    assert [m["text"] for m in fake_slack.messages("C1")] == ["carte à jour", "partagé"]
    WebhookClient(url).send(delete_original=True)
    assert [m["text"] for m in fake_slack.messages("C1")] == ["partagé"]


def test_response_url_limits(fake_slack: FakeSlack):
    url = fake_slack.response_url()
    client = WebhookClient(url)
    statuses = [client.send(text=str(i)).status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]  # at most 5 uses
    assert len(fake_slack.responses(url)) == 5
    assert fake_slack.responses(url, include_rejected=True)[-1].error == "used_url"

    other = fake_slack.response_url()
    fake_slack.expire_response_url(other)
    assert WebhookClient(other).send(text="late").body == '{"ok": false, "error": "expired_url"}'
    bad = WebhookClient(fake_slack.response_url()).send(text="x", blocks=[{"text": "no type"}])
    assert bad.status_code == 400


# ------------------------------------------------------------------- waiting


def test_wait_for_calls_made_by_another_thread(fake_slack: FakeSlack):
    def later() -> None:
        time.sleep(0.2)
        fake_slack.client().chat_postMessage(channel="C1", text="async")

    threading.Thread(target=later).start()
    [call] = fake_slack.wait_for("chat.postMessage", timeout=5)
    assert call.params["text"] == "async"
    with pytest.raises(AssertionError, match=r"chat\.update"):
        fake_slack.wait_for("chat.update", timeout=0.2)
    fake_slack.reset_calls()
    assert fake_slack.calls() == []


def test_env_points_dsbot_at_the_fake(fake_slack: FakeSlack):
    env = fake_slack.env()
    assert env["SLACK_BOT_TOKEN"] == BOT_TOKEN
    assert env["SLACK_API_URL"].endswith("/api/")
    assert WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"]).auth_test()["ok"]


def test_chat_unfurl_checks_its_arguments_and_records_previews(
    fake_slack: FakeSlack, slack_client: WebClient
):
    url = "https://demarche.numerique.gouv.fr/dossiers/1234"
    posted = slack_client.chat_postMessage(channel="C0UNFURL", text=f"voir <{url}>")
    preview = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "n° 1234"}}]}

    slack_client.chat_unfurl(channel="C0UNFURL", ts=posted["ts"], unfurls={url: preview})
    # A link typed in the composer is named by unfurl_id + source instead.
    slack_client.chat_unfurl(unfurl_id="Uf0001", source="composer", unfurls={url: preview})
    assert fake_slack.unfurls() == [
        {"channel": "C0UNFURL", "ts": posted["ts"], "unfurls": {url: preview}},
        {"unfurl_id": "Uf0001", "source": "composer", "unfurls": {url: preview}},
    ]

    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_unfurl(channel="C0UNFURL", unfurls={url: preview})
    assert slack_error(excinfo) == "invalid_arguments"
    assert "ts" in json.dumps(excinfo.value.response["response_metadata"])
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_unfurl(channel="C0UNFURL", ts=posted["ts"])
    assert slack_error(excinfo) == "missing_unfurls"
    with pytest.raises(SlackApiError) as excinfo:
        other = "https://demarche.numerique.gouv.fr/dossiers/99"
        slack_client.chat_unfurl(channel="C0UNFURL", ts=posted["ts"], unfurls={other: preview})
    assert slack_error(excinfo) == "cannot_unfurl_url"
    bad = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_unfurl(channel="C0UNFURL", ts=posted["ts"], unfurls={url: bad})
    assert slack_error(excinfo) == "invalid_blocks"
    assert len(fake_slack.unfurls()) == 2


def test_chat_unfurl_needs_links_write(fake_slack: FakeSlack, slack_client: WebClient):
    fake_slack.scopes = [s for s in BOT_SCOPES if s != "links:write"]
    with pytest.raises(SlackApiError) as excinfo:
        slack_client.chat_unfurl(unfurl_id="Uf1", source="composer", unfurls={"https://x": {}})
    assert slack_error(excinfo) == "missing_scope"


def test_conversations_members_pages_as_slack_describes(
    fake_slack: FakeSlack, slack_client: WebClient
):
    """Pages of ids with an opaque cursor, the last with an empty next_cursor; the answers and
    the errors are those of Slack's Web API description (tests/data/web-api-openapi-2021.json)."""
    import jsonschema

    spec = json.loads(
        (Path(__file__).parents[1] / "data" / "web-api-openapi-2021.json").read_text()
    )
    responses = spec["paths"]["/conversations.members"]["get"]["responses"]
    success = jsonschema.Draft4Validator(
        {**responses["200"]["schema"], "definitions": spec["definitions"]}
    )
    errors = set(responses["default"]["schema"]["properties"]["error"]["enum"])
    people = [f"U0M{i:03d}" for i in range(5)]
    fake_slack.add_channel("C1", "partenaires", members=people)
    fake_slack.add_channel("C3", "secret", is_private=True, is_member=False, members=people)

    seen: list[str] = []
    cursor = ""
    while True:
        page: dict[str, Any] = slack_client.conversations_members(
            channel="C1", limit=2, cursor=cursor
        ).data  # type: ignore[assignment]
        success.validate(page)
        seen += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == [BOT_USER_ID, *people]
    fake_slack.add_member("C1", "U0GUEST")
    assert slack_client.conversations_members(channel="C1")["members"][-1] == "U0GUEST"

    cases: list[tuple[dict[str, Any], str]] = [
        ({"channel": "C3"}, "channel_not_found"),  # private, bot not invited
        ({"channel": "C9"}, "channel_not_found"),
        ({"channel": "C1", "limit": 0}, "invalid_limit"),
        ({"channel": "C1", "cursor": "pas-un-curseur"}, "invalid_cursor"),
    ]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as excinfo:
            slack_client.conversations_members(**kwargs)
        assert slack_error(excinfo) == error and error in errors, kwargs
    info = slack_client.conversations_info(channel="C1")["channel"]
    assert not any(
        info[f] for f in ("is_shared", "is_ext_shared", "is_org_shared", "is_pending_ext_shared")
    )
