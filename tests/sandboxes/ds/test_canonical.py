"""Our canonical-equivalent document (every field DS's stored queries select) answers."""

from __future__ import annotations

from tests.sandboxes.ds.gql import CANONICAL, data, first_demarche, open_groupe

ALL_FLAGS = {
    name: True
    for name in [
        "withGroupes",
        "withDossiers",
        "withPendingDeleted",
        "withDeleted",
        "withRevision",
        "withRevisions",
        "withService",
        "withChamps",
        "withAnnotations",
        "withTraitements",
        "withInstructeurs",
        "withAvis",
        "withMessages",
        "withCorrections",
        "withGeometry",
        "withLabels",
        "withFileUrls",
    ]
}
GROUPE_FLAGS = {
    k: v
    for k, v in ALL_FLAGS.items()
    if k not in ("withGroupes", "withRevision", "withRevisions", "withService")
}
DOSSIER_FLAGS = {
    k: v
    for k, v in ALL_FLAGS.items()
    if k
    not in ("withGroupes", "withDossiers", "withPendingDeleted", "withDeleted", "withRevisions")
}


def run(sandbox, operation: str, variables: dict) -> dict:
    return data(sandbox, CANONICAL.read_text(), variables, operation=operation)


def test_full_demarche_with_every_flag(sandbox):
    demarche = first_demarche(sandbox)
    # Some dossiers in the trash and deleted, so that those connections have nodes too.
    numbers = [sandbox.control.create_dossier(demarche["number"])["number"] for _ in range(2)]
    sandbox.control.delete(numbers[0])
    sandbox.control.trash(numbers[1], by="usager")

    result = run(sandbox, "FullDemarche", {"number": demarche["number"], "first": 100, **ALL_FLAGS})
    got = result["demarche"]
    assert got["number"] == demarche["number"]
    nodes = got["dossiers"]["nodes"]
    # dossiers_count was read before: the two new dossiers are now deleted or in the trash.
    assert len(nodes) == demarche["dossiers_count"]
    assert [g["number"] for g in got["groupeInstructeurs"]] == [
        g["number"] for g in demarche["groupes"]
    ]
    assert any(g["closed"] for g in got["groupeInstructeurs"])
    assert numbers[0] in [d["number"] for d in got["deletedDossiers"]["nodes"]]
    assert numbers[1] in [d["number"] for d in got["pendingDeletedDossiers"]["nodes"]]
    typenames = {c["__typename"] for d in nodes for c in d["champs"]}
    for expected in [
        "TextChamp",
        "DateChamp",
        "DatetimeChamp",
        "CheckboxChamp",
        "YesNoChamp",
        "IntegerNumberChamp",
        "DecimalNumberChamp",
        "DropDownListChamp",
        "MultipleDropDownListChamp",
        "LinkedDropDownListChamp",
        "AddressChamp",
        "CommuneChamp",
        "DepartementChamp",
        "RegionChamp",
        "PaysChamp",
        "EpciChamp",
        "SiretChamp",
        "RNAChamp",
        "PieceJustificativeChamp",
        "TitreIdentiteChamp",
        "CarteChamp",
        "DossierLinkChamp",
        "CiviliteChamp",
        "HeaderSectionChamp",
        "ExplicationChamp",
        "RepetitionChamp",
    ]:
        assert expected in typenames, expected
    repetitions = [c for d in nodes for c in d["champs"] if c["__typename"] == "RepetitionChamp"]
    assert any(r["rows"] and r["rows"][0]["champs"] for r in repetitions)
    descriptors = got["activeRevision"]["champDescriptors"]
    repetition = next(d for d in descriptors if d["__typename"] == "RepetitionChampDescriptor")
    assert [c["label"] for c in repetition["champDescriptors"]]
    states = {d["state"] for d in nodes}
    assert states == {"en_construction", "en_instruction", "accepte", "refuse", "sans_suite"}


def test_full_groupe_dossier_and_descriptor_with_every_flag(sandbox):
    demarche = first_demarche(sandbox)
    groupe = open_groupe(demarche)
    result = run(sandbox, "FullGroupeInstructeur", {"number": groupe["number"], **GROUPE_FLAGS})
    got = result["groupeInstructeur"]
    assert got["number"] == groupe["number"]
    assert got["instructeurs"] == groupe["instructeurs"]
    listed = got["dossiers"]["nodes"]
    assert listed and all(d["groupeInstructeur"]["number"] == groupe["number"] for d in listed)

    decided = next(d for d in listed if d["state"] == "accepte")
    dossier = run(sandbox, "FullDossier", {"number": decided["number"], **DOSSIER_FLAGS})["dossier"]
    assert dossier["number"] == decided["number"]
    assert dossier["demarche"]["revision"]["champDescriptors"]
    assert dossier["traitements"][-1]["event"] == "accepte"
    assert dossier["traitements"][-1]["emailAgentTraitant"].endswith(".gouv.fr")
    assert dossier["attestation"]["url"].startswith(sandbox.base_url)

    for find in ({"number": demarche["number"]}, {"id": demarche["id"]}):
        descriptor = run(
            sandbox,
            "FullDemarcheDescriptor",
            {"demarche": find, "withRevision": True, "withService": True},
        )["demarcheDescriptor"]
        assert descriptor["title"] == demarche["title"]
        assert descriptor["service"]["typeOrganisme"]
