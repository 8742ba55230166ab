"""The backend registry: DS and Dynacase registered from their own folders, built from the
settings into the port's Backend and FeedSource, their /ds words and texts known to the
catalogs, their settings checked; a test-only backend registers the same way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dsbot.backends import registry
from dsbot.backends.port import (
    AnnotationEdits,
    Annotations,
    Attachments,
    BackendName,
    FeedSource,
    Follow,
    Labels,
    MessageRemoval,
    Messaging,
    StateMoves,
)
from dsbot.config import Settings
from dsbot.runtime import build_item_service
from dsbot.store import Store
from dsbot.texts import en, fr
from tests.fakes.dynacase_sandbox import dynacase  # noqa: F401  (fixture)
from tests.fakes.slack_api import BOT_TOKEN


def settings(**env: str) -> Settings:
    return Settings.from_mapping({"SLACK_BOT_TOKEN": BOT_TOKEN, **env})


def test_ds_and_dynacase_are_known_and_ds_is_always_on() -> None:
    assert [s.name for s in registry.specs()][:2] == ["ds", "dynacase"]
    assert registry.get(BackendName.DS) is registry.get("ds")
    assert [s.name for s in registry.enabled(settings(DS_API_TOKEN="t"))] == ["ds"]
    with pytest.raises(KeyError):
        registry.get("no-such-backend")


def test_each_backend_is_built_from_the_settings_into_the_port(sandbox, dynacase) -> None:  # noqa: F811
    env = settings(
        DS_API_URL=sandbox.graphql_url,
        DS_API_TOKEN="sandbox-token",
        DYNACASE_API_URL=dynacase.api_url,
        DYNACASE_TOKEN=dynacase.token,
    )
    assert [s.name for s in registry.enabled(env)] == ["ds", "dynacase"]
    demarche = sandbox.control.demarches()[0]
    groupe = next(g for g in demarche["groupes"] if not g["closed"])
    number = sandbox.control.create_dossier(
        demarche["number"], "en_construction", groupe["number"]
    )["number"]
    ds = registry.get("ds")
    client = ds.client(env)
    try:
        backend = ds.build(env, client)
        assert backend.name is BackendName.DS
        # What the spec says of DS's files is what its Attachments capability enforces.
        person = backend.as_person("instructeur")
        assert isinstance(person, Attachments)
        assert ds.attachment_bytes == person.max_bytes == 20 * 1024 * 1024
        assert backend.reader().get_item(str(number)).ref == str(number)
        assert isinstance(ds.feed(client, env), FeedSource)
    finally:
        client.close()

    spec = registry.get("dynacase")
    built = spec.build(env)
    assert built.name is BackendName.DYNACASE
    initid = dynacase.control.create_document("DEMANDE_SUBVENTION", "Subvention")["initid"]
    assert built.reader().get_item(str(initid)).ref == str(initid)
    # Dynacase has none of DS's extras: a caller asks the capability, not the backend's name.
    capabilities = (Annotations, Labels, Attachments, Messaging, Follow)
    extras = (AnnotationEdits, StateMoves, MessageRemoval)
    assert not any(isinstance(built.reader(), c) for c in (*capabilities, *extras))
    assert spec.attachment_bytes == 0
    assert isinstance(spec.feed(spec.client(env), env), FeedSource)


def test_the_settings_checks_say_what_is_missing_in_french() -> None:
    [problem] = registry.get("ds").check(settings())
    assert problem.what == "DS_API_TOKEN n’est pas défini" and problem.fix
    assert registry.get("ds").check(settings(DS_API_TOKEN="t")) == []
    assert registry.get("dynacase").check(settings()) == []


@pytest.mark.parametrize("name", list(registry.KNOWN))
def test_a_backends_words_and_texts_are_in_both_catalogs(name: str) -> None:
    spec = registry.get(name)
    assert spec.words and spec.texts
    keys = [k for w in spec.words for k in (w.args, w.help) if k] + list(spec.texts.values())
    missing = [k for k in keys if k not in fr.TEXTS or k not in en.TEXTS]
    assert missing == []


@dataclass
class _Backend:
    name: Any = "fake"

    def reader(self) -> Any: ...

    def as_person(self, credential: str) -> Any: ...

    def check_credential(self, credential: str) -> None: ...


@pytest.fixture
def fake_backend() -> Iterator[registry.BackendSpec]:
    spec = registry.register(
        registry.BackendSpec(
            name="fake",
            enabled=lambda s: s.lang == "en",
            client=lambda s, **options: "fake client",
            adapter=lambda client, s: _Backend(),
            feed=lambda client, s: None,  # type: ignore[arg-type,return-value]
            words=(registry.CommandWord(("faux",)),),
        )
    )
    yield spec
    registry.unregister("fake")


def test_a_backend_registers_from_outside_and_the_wiring_builds_it(fake_backend, tmp_path) -> None:
    assert registry.get("fake") is fake_backend
    assert [s.name for s in registry.specs()] == ["ds", "dynacase", "fake"]
    english = Settings.from_mapping({"DSBOT_LANG": "en", "DSBOT_DB": str(tmp_path / "db")})
    assert [s.name for s in registry.enabled(english)] == ["ds", "fake"]
    store = Store(str(tmp_path / "db"))
    store.migrate()
    assert list(build_item_service(english, store).backends) == ["fake"]
    assert list(build_item_service(settings(), store).backends) == []
    registry.unregister("fake")
    with pytest.raises(KeyError):
        registry.get("fake")
