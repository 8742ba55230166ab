"""The sandbox's workflows over real HTTP: next states per user, transition forms, the state
change and its refusals, history. Each test cites the section of docs/dynacase-api.md."""

from __future__ import annotations

import httpx

from tests.fakes.dynacase_sandbox import api

SUBV = "DEMANDE_SUBVENTION"


def new_subvention(sandbox, state: str | None = None, **attributes) -> int:
    initid = sandbox.control.create_document(SUBV, "Subvention de test", **attributes)["initid"]
    if state:
        sandbox.control.set_state(initid, state)
    return initid


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert body["success"] is False and body["data"] is None
    return body["messages"][0]


def states_of(sandbox, initid: int, login: str | None, **params) -> list[dict]:
    with api(sandbox, login) as http:
        response = http.get(f"documents/{initid}/workflows/states/", params=params)
    assert response.status_code == 200
    return response.json()["data"]["states"]


# --- §6.2 next states -------------------------------------------------------------------------


def test_next_states_depend_on_the_user(dynacase):
    # docs/dynacase-api.md §6.2
    initid = new_subvention(dynacase, "e_sub_transmis")
    claire = states_of(dynacase, initid, "c.martin")
    paul = states_of(dynacase, initid, "p.durand")
    assert [s["id"] for s in claire] == ["e_sub_brouillon", "e_sub_instruit"]
    assert [s["id"] for s in paul] == ["e_sub_refuse"]
    assert states_of(dynacase, initid, "l.petit") == []
    for state in claire + paul:
        transition = state["transition"]
        assert set(transition) == {"id", "uri", "label", "error", "authorized"}
        assert transition["authorized"] is True
        assert "isCurrentState" not in state
        assert state["displayValue"] == (state["activity"] or state["label"])


def test_admin_sees_every_state(dynacase):
    # docs/dynacase-api.md §6.2
    initid = new_subvention(dynacase, "e_sub_transmis")
    workflow = next(f for f in dynacase.control.families() if f["name"] == SUBV)["workflow"]
    states = states_of(dynacase, initid, None)
    assert [s["id"] for s in states] == [s["id"] for s in workflow["states"]]
    by_id = {s["id"]: s for s in states}
    assert by_id["e_sub_accorde"]["transition"] is None  # no transition from Transmis
    assert by_id["e_sub_instruit"]["transition"]["id"] == "t_sub_instruire"


def test_all_states_shows_the_rights_the_user_lacks(dynacase):
    # docs/dynacase-api.md §6.2
    initid = new_subvention(dynacase, "e_sub_transmis")
    states = {s["id"]: s for s in states_of(dynacase, initid, "c.martin", allStates=1)}
    assert states["e_sub_refuse"]["transition"]["authorized"] is False
    assert states["e_sub_instruit"]["transition"]["authorized"] is True
    assert states["e_sub_transmis"]["transition"] is None


def test_m0_pre_condition_shows_as_error(dynacase):
    # docs/dynacase-api.md §6.2, §6.6
    small = new_subvention(dynacase, "e_sub_instruit", sub_montant=1000)
    large = new_subvention(dynacase, "e_sub_instruit", sub_montant=90000)
    by_small = {s["id"]: s["transition"] for s in states_of(dynacase, small, "p.durand")}
    by_large = {s["id"]: s["transition"] for s in states_of(dynacase, large, "p.durand")}
    assert by_small["e_sub_accorde"]["error"] == ""  # an m0 that passes
    assert by_small["e_sub_refuse"]["error"] is None  # no m0 at all
    assert "plafond" in by_large["e_sub_accorde"]["error"]
    with api(dynacase, "p.durand") as http:
        response = http.post(f"documents/{large}/workflows/states/e_sub_accorde", json={})
    assert response.status_code == 403
    # The list shows m0's own text; the refusal wraps it as WDoc::changeState does.
    assert error_of(response)["contentText"] == "Erreur : " + by_large["e_sub_accorde"]["error"]


# --- §6.3, §6.4, §6.5 ---------------------------------------------------------------------


def test_one_state_and_unknown_state(dynacase):
    # docs/dynacase-api.md §6.3
    initid = new_subvention(dynacase, "e_sub_transmis")
    with api(dynacase) as http:
        current = http.get(f"documents/{initid}/workflows/states/e_sub_transmis").json()
        target = http.get(f"documents/{initid}/workflows/states/e_sub_instruit").json()
        unknown = http.get(f"documents/{initid}/workflows/states/e_nope")
    assert current["data"]["state"]["isCurrentState"] is True
    assert target["data"]["state"]["transition"]["label"] == "Instruire"
    assert "id" not in target["data"]["state"]["transition"]
    assert unknown.status_code == 404 and unknown.reason_phrase == "State not found"
    assert error_of(unknown)["code"] == "CRUD0228"
    # The module's text, two spaces included: state, workflow title, workflow id.
    assert error_of(unknown)["contentText"] == (
        'State "e_nope" is not available for  workflow "Cycle des demandes de subvention" (1052)'
    )


def test_transitions_list_has_valid_and_no_id(dynacase):
    # docs/dynacase-api.md §6.4
    initid = new_subvention(dynacase)
    with api(dynacase, "l.petit") as http:
        items = http.get(f"documents/{initid}/workflows/transitions/").json()["data"]["transitions"]
    valid = {item["uri"].rsplit("/", 1)[-1]: item["valid"] for item in items}
    assert all("id" not in item for item in items)
    assert valid["t_sub_transmettre"] is True  # from Brouillon; rights are not checked here
    assert valid["t_sub_instruire"] is False


def test_transition_form_asks_comment_and_parameters(dynacase):
    # docs/dynacase-api.md §6.5
    initid = new_subvention(dynacase, "e_sub_transmis")
    with api(dynacase, "c.martin") as http:
        form = http.get(f"documents/{initid}/workflows/transitions/t_sub_instruire").json()
        silent = http.get(f"documents/{initid}/workflows/transitions/t_sub_transmettre").json()
    transition = form["data"]["transition"]
    assert transition["askComment"] is True
    assert transition["beginState"]["id"] == "e_sub_transmis"
    assert transition["beginState"]["isCurrentState"] is True
    assert transition["endState"]["id"] == "e_sub_instruit"
    asks = {a["id"]: a for a in transition["askAttributes"]}
    assert asks["sub_date_instruction"]["type"] == "date"
    avis = asks["sub_avis"]
    assert avis["type"] == "enum" and avis["needed"] is True and avis["logicalOrder"] == 0
    assert {"key": "favorable", "label": "Favorable"} in avis["enumItems"]
    assert avis["enumUri"].endswith("/families/WFL_SUBVENTION/enumerates/sub_avis")
    # Not from the current state: no end state. A transition flagged "no reason": no comment.
    assert silent["data"]["transition"]["endState"] is None
    assert silent["data"]["transition"]["askComment"] is False


def test_enumerate_of_a_transition_parameter(dynacase):
    # docs/dynacase-api.md §6.5
    with api(dynacase) as http:
        data = http.get(
            "families/WFL_SUBVENTION/enumerates/sub_motif_refus", params={"keyword": "dossier"}
        ).json()["data"]
    assert data["enumItems"] == [{"key": "incomplet", "label": "Dossier incomplet"}]


def test_unknown_transition_and_the_unrouted_family_variant(dynacase):
    # docs/dynacase-api.md §6.5
    initid = new_subvention(dynacase)
    with api(dynacase) as http:
        unknown = http.get(f"documents/{initid}/workflows/transitions/t_nope")
        family = http.get(
            f"families/{SUBV}/documents/{initid}/workflows/transitions/t_sub_transmettre"
        )
        family_states = http.get(f"families/{SUBV}/documents/{initid}/workflows/states/")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "CRUD0229"
    assert error_of(unknown)["contentText"].startswith('transition "t_nope" is not available for ')
    assert family.status_code == 404 and error_of(family)["code"] == "API0004"
    assert family_states.status_code == 200


# --- §6.6–§6.8 the state change -------------------------------------------------------------


def test_state_change_is_201_with_a_new_revision(dynacase):
    # docs/dynacase-api.md §6.6, §6.8
    initid = new_subvention(dynacase, "e_sub_transmis")
    before = dynacase.control.document(initid)
    body = {
        "comment": "Dossier complet",
        "parameters": {"sub_avis": "reserve", "sub_date_instruction": "2026-03-05"},
    }
    with api(dynacase, "c.martin") as http:
        response = http.post(f"documents/{initid}/workflows/states/e_sub_instruit", json=body)
        old_id = http.get(f"documents/{before['id']}")
    assert response.status_code == 201 and response.reason_phrase == "Created"
    payload = response.json()
    assert payload["success"] is True
    assert payload["data"] == {
        "state": {
            "id": "e_sub_instruit",
            "isCurrentState": True,
            "label": "Instruit",
            "activity": "Décision à prendre",
            "displayValue": "Décision à prendre",
            "color": "#FFE7A8",
        }
    }
    assert payload["messages"][0]["type"] == "notice"
    after = dynacase.control.document(initid)
    assert after["id"] != before["id"] and after["initid"] == initid
    assert after["revision"] == before["revision"] + 1
    assert after["state"]["reference"] == "e_sub_instruit"
    # The id of the revision read before the change now redirects to the initid.
    assert old_id.status_code == 307


def test_history_entries_are_on_the_frozen_revision(dynacase):
    # docs/dynacase-api.md §6.8, §7
    initid = new_subvention(dynacase, "e_sub_transmis")
    body = {"comment": "Pièces conformes", "parameters": {"sub_avis": "favorable"}}
    with api(dynacase, "c.martin") as http:
        http.post(f"documents/{initid}/workflows/states/e_sub_instruit", json=body)
        data = http.get(f"documents/{initid}/history/").json()["data"]
        only = http.get(f"documents/{initid}/history/", params={"revision": 0}).json()["data"]
    history = data["history"]
    assert [h["properties"]["revision"] for h in history] == [2, 1, 0]  # newest first
    alive, frozen = history[0], history[1]
    assert alive["properties"]["status"] == "alive" and alive["messages"] == []
    assert frozen["properties"]["status"] == "fixed"
    assert frozen["properties"]["state"]["reference"] == "e_sub_instruit"
    assert frozen["properties"]["id"] == initid
    revision, comment = frozen["messages"]  # newest first
    assert revision["code"] == "REVISION" and revision["level"] == "message"
    assert revision["comment"].startswith("changement d'état de Transmis vers Instruit")
    assert "-Avis de l'instructeur : favorable" in revision["comment"]  # the raw key
    assert comment == {
        "uid": 1013,
        "uname": "Claire Martin",
        "date": revision["date"],
        "level": "info",
        "code": None,
        "comment": "Pièces conformes",
    }
    assert data["requestParameters"] == {"slice": -1, "offset": 0, "revision": -1}
    assert [h["properties"]["revision"] for h in only["history"]] == [0]


def test_lacking_the_right_is_crud0230(dynacase):
    # docs/dynacase-api.md §6.6
    initid = new_subvention(dynacase, "e_sub_transmis")
    with api(dynacase, "c.martin") as http:
        response = http.post(f"documents/{initid}/workflows/states/e_sub_refuse", json={})
    assert response.status_code == 403 and response.reason_phrase == "Forbidden"
    message = error_of(response)
    assert message["code"] == "CRUD0230"
    # Doc::noPrivilegeMessage: the transition id is the privilege, the workflow the document.
    assert message["contentText"].startswith("pas de privilège t_sub_refuser pour le document ")
    assert response.json()["exceptionMessage"].startswith("Cannot use transition")
    assert dynacase.control.document(initid)["state"]["reference"] == "e_sub_transmis"


def test_unreachable_or_unknown_state_is_403_not_404(dynacase):
    # docs/dynacase-api.md §6.6
    initid = new_subvention(dynacase)
    with api(dynacase, "p.durand") as http:
        unreachable = http.post(f"documents/{initid}/workflows/states/e_sub_accorde", json={})
        unknown = http.post(f"documents/{initid}/workflows/states/e_nope", json={})
    assert unreachable.status_code == 403 and error_of(unreachable)["code"] == "CRUD0230"
    assert unknown.status_code == 403 and error_of(unknown)["code"] == "CRUD0230"


def test_admin_may_jump_to_any_state(dynacase):
    # docs/dynacase-api.md §6.6
    initid = new_subvention(dynacase)
    with api(dynacase) as http:
        response = http.post(f"documents/{initid}/workflows/states/e_sub_accorde", json={})
    assert response.status_code == 201
    assert dynacase.control.document(initid)["state"]["reference"] == "e_sub_accorde"


def test_no_workflow_is_crud0227(dynacase):
    # docs/dynacase-api.md §6.1
    initid = dynacase.control.create_document("COURRIER_ENTRANT", "Lettre")["initid"]
    with api(dynacase) as http:
        listed = http.get(f"documents/{initid}/workflows/states/")
        posted = http.post(f"documents/{initid}/workflows/states/e_sub_transmis", json={})
    for response in (listed, posted):
        assert response.status_code == 404 and response.reason_phrase == "No workflow detected"
        assert error_of(response)["code"] == "CRUD0227"


def test_transition_not_from_the_current_state_is_crud0235(dynacase):
    # docs/dynacase-api.md §6.7
    initid = new_subvention(dynacase)
    with api(dynacase, "p.durand") as http:
        invalid = http.post(f"documents/{initid}/workflows/transitions/t_sub_accorder", json={})
    assert invalid.status_code == 404 and invalid.reason_phrase == "Invalid transition"
    assert error_of(invalid)["code"] == "CRUD0235"
    assert error_of(invalid)["contentText"] == (
        'Destination state is not defined for workflow "Cycle des demandes de subvention" (1052)'
    )
    with api(dynacase, "s.bernard") as http:
        valid = http.post(f"documents/{initid}/workflows/transitions/t_sub_transmettre", json={})
    assert valid.status_code == 201
    assert valid.json()["data"]["state"]["id"] == "e_sub_transmis"


def test_form_encoded_body_and_bad_parameters(dynacase):
    # docs/dynacase-api.md §1.6, §6.6, §10.6
    initid = new_subvention(dynacase, "e_sub_transmis")
    path = f"documents/{initid}/workflows/states/e_sub_instruit"
    with api(dynacase, "c.martin") as http:
        bad_date = http.post(path, json={"parameters": {"sub_date_instruction": "05/03/2026"}})
        unknown = http.post(path, json={"parameters": {"nope": "x"}})
        malformed = http.post(path, content=b"{", headers={"Content-Type": "application/json"})
        form = http.post(
            path,
            data={"comment": "Par formulaire", "parameters[SUB_AVIS]": "favorable"},
        )
    assert bad_date.status_code == 400 and "Date d'instruction" in error_of(bad_date)["contentText"]
    assert unknown.status_code == 400 and "nope" in error_of(unknown)["contentText"]
    assert malformed.status_code == 400 and error_of(malformed)["code"] == "CRUD0208"
    assert form.status_code == 201
    history = dynacase.control.document(initid)["revisions"][1]["history"]
    assert history[1]["comment"] == "Par formulaire"
    assert "-Avis de l'instructeur : favorable" in history[0]["comment"]  # the key, raw


def test_post_on_history_is_not_implemented(dynacase):
    # docs/dynacase-api.md §7
    initid = new_subvention(dynacase)
    with api(dynacase) as http:
        response = http.post(f"documents/{initid}/history/", json={})
    assert response.status_code == 501 and error_of(response)["code"] == "CRUD0103"
