"""Generated data: reproducible, realistic, consistent.

See docs/ds-api.md, "Endpoint and identifiers" and pitfall 2.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

from dsbot.sandboxes.ds.generator import luhn_ok
from tests.sandboxes.ds.gql import CANONICAL, data, first_demarche

ISO_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
LIST = """
query($n: Int!) { demarche(number: $n) { dossiers(first: 100) { nodes {
  id number state dateDepot datePassageEnInstruction dateTraitement dateDerniereModification
  motivation usager { email }
  demandeur { __typename ... on PersonnePhysique { civilite nom prenom }
              ... on PersonneMorale { siret entreprise { siren raisonSociale } } }
  traitements { event state emailAgentTraitant dateTraitement motivation }
  messages { createdAt } groupeInstructeur { number instructeurs { email } }
} } } }
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def everything(sandbox, number: int) -> list[dict]:
    return data(sandbox, LIST, {"n": number})["demarche"]["dossiers"]["nodes"]


def test_same_seed_same_data_and_another_seed_other_data(sandbox_factory):
    query = CANONICAL.read_text()
    flags = {
        "withChamps": True,
        "withAnnotations": True,
        "withMessages": True,
        "withAvis": True,
        "withFileUrls": False,
        "withDossiers": True,
        "first": 50,
    }
    answers = []
    for seed in (5, 5, 6):
        sb = sandbox_factory(seed=seed, demarches=1, dossiers=20)
        got = data(sb, query, {"number": 1001, **flags}, operation="FullDemarche")
        answers.append(got["demarche"]["dossiers"]["nodes"])
    assert answers[0] == answers[1]
    assert answers[0] != answers[2]


def test_identities_ids_and_timestamps_look_like_ds(sandbox):
    demarches = sandbox.control.demarches()
    seen_physique = seen_morale = False
    for demarche in demarches:
        for dossier in everything(sandbox, demarche["number"]):
            assert base64.b64decode(dossier["id"]).decode() == f"Dossier-{dossier['number']}"
            for key in ("dateDepot", "dateDerniereModification"):
                assert ISO_SECOND.match(dossier[key]), dossier[key]
            demandeur = dossier["demandeur"]
            if demandeur["__typename"] == "PersonnePhysique":
                seen_physique = True
                assert demandeur["civilite"] in ("M", "Mme")
                assert demandeur["nom"] and demandeur["prenom"]
            else:
                seen_morale = True
                assert luhn_ok(demandeur["siret"]) and len(demandeur["siret"]) == 14
                assert demandeur["siret"].startswith(demandeur["entreprise"]["siren"])
                assert demandeur["entreprise"]["raisonSociale"]
            for message in dossier["messages"]:
                assert ISO_SECOND.match(message["createdAt"])
                assert at(message["createdAt"]) <= at(dossier["dateDerniereModification"])
    assert seen_physique and seen_morale


def test_traitements_agree_with_the_state(sandbox):
    for dossier in everything(sandbox, first_demarche(sandbox)["number"]):
        traitements = dossier["traitements"]
        assert traitements[0]["event"] == "depose"
        assert traitements[-1]["state"] == dossier["state"]
        agents = {i["email"] for i in dossier["groupeInstructeur"]["instructeurs"]}
        if dossier["state"] in ("accepte", "refuse", "sans_suite"):
            last = traitements[-1]
            assert last["emailAgentTraitant"] in agents
            assert last["dateTraitement"] == dossier["dateTraitement"]
            assert dossier["motivation"] and last["motivation"] == dossier["motivation"]
        if dossier["state"] == "en_construction":
            assert dossier["datePassageEnInstruction"] is None
        else:
            assert dossier["datePassageEnInstruction"] is not None
        assert at(dossier["dateDerniereModification"]) >= at(dossier["dateDepot"])
