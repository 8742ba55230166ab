"""The Slack layer reaches a backend's views, states, page URLs and file limit through the
registry, without importing the backend."""

from __future__ import annotations

import pytest

from dsbot.backends import registry
from dsbot.backends.ds.models import DossierState
from dsbot.backends.ds.upload import MAX_FILE_SIZE
from dsbot.backends.port import BackendName
from dsbot.slack.presentation import views
from dsbot.texts import Texts
from tests.slack.presentation.blocks.factories import DS_WEB_BASE, make_dossier

FR = Texts("fr")


def test_ds_states_come_in_ds_order_with_their_labels():
    assert views.ds_state_ids() == tuple(s.value for s in DossierState)
    assert [s.label for s in views.ds_states(FR)][:2] == ["En construction", "En instruction"]
    assert views.ds_state("accepte", Texts("en")).label != views.ds_state("accepte", FR).label
    with pytest.raises(ValueError):
        views.ds_state("e_brouillon", FR)


def test_a_dossier_view_its_page_and_the_file_limit_are_the_ds_specs():
    detail = views.dossier_detail(make_dossier(number=9), FR, DS_WEB_BASE)
    assert detail.ref == "9" and detail.url == views.dossier_url(DS_WEB_BASE, 42, 9)
    assert detail.url == f"{DS_WEB_BASE}/procedures/42/dossiers/9"
    assert views.max_attachment_bytes(BackendName.DS) == MAX_FILE_SIZE


@pytest.fixture
def viewless_backend():
    spec = registry.register(
        registry.BackendSpec(
            name="viewless",
            enabled=lambda s: False,
            client=lambda s, **options: None,
            adapter=lambda client, s: None,  # type: ignore[arg-type,return-value]
            feed=lambda client, s: None,  # type: ignore[arg-type,return-value]
        )
    )
    yield spec
    registry.unregister("viewless")


def test_a_backend_without_views_says_so(viewless_backend):
    name = viewless_backend.name
    with pytest.raises(LookupError):
        views.item_detail(name, object(), FR, DS_WEB_BASE)
    with pytest.raises(LookupError):
        views.backend_states(name, FR)
    with pytest.raises(LookupError):
        views.max_attachment_bytes(name)
