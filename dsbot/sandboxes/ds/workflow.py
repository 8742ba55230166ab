"""The dossier state machine and every change to a dossier (docs/ds-api.md, "State machine",
"Mutations", "What moves dateDerniereModification").

Both the mutations and the control API go through these functions, so the rules about what
moves `dateDerniereModification` (updated_at) live in one place: state transitions, messages,
annotations, champ edits and follow/unfollow move it; labels do not.
"""

from __future__ import annotations

from typing import Any

from dsbot.sandboxes.ds import dossier_content
from dsbot.sandboxes.ds.clock import US
from dsbot.sandboxes.ds.generator import TERMINE
from dsbot.sandboxes.ds.ids import gid
from dsbot.sandboxes.ds.store import Store

STATE_LABELS = {
    "en_construction": "en construction",
    "en_instruction": "en instruction",
    "accepte": "accepté",
    "refuse": "refusé",
    "sans_suite": "classé sans suite",
}
DECISION_EVENTS = {"accepte": "accepte", "refuse": "refuse", "sans_suite": "classe_sans_suite"}
# DS's mailer writes each state notification into the messagerie, from its contact address,
# whether or not the e-mail itself goes out (`disableNotification` only stops the e-mail).
CONTACT_EMAIL = dossier_content.SYSTEM_EMAIL
# The attestation is built by a background job, a little after the acceptance.
ATTESTATION_DELAY_US = 5 * US


def already(state: str) -> str:
    """DS's "Le dossier est déjà <état>" message."""
    return f"Le dossier est déjà {STATE_LABELS[state]}"


class Change:
    """One write to one dossier: load, modify, `save()`."""

    def __init__(self, store: Store, row: dict[str, Any], now: int) -> None:
        self.store = store
        self.row = row
        self.now = now
        self.details = store.details(row)

    def touch(self) -> None:
        self.row["updated_at"] = max(self.row["updated_at"], self.now)

    def save(self) -> dict[str, Any]:
        return self.store.save_dossier(self.row, self.details)

    def traitement(
        self, event: str, state: str, email: str | None, motivation: str | None = None
    ) -> dict[str, Any]:
        return dossier_content.new_traitement(
            self.details,
            self.row["number"],
            event,
            state,
            self.now,
            email,
            motivation,
            self.row["revision"],
        )

    # --- transitions (callers check the preconditions) --------------------------------

    def notify(self, notice: str) -> dict[str, Any]:
        """DS's message from its contact address telling the usager about a transition."""
        number = self.row["number"]
        demarche = self.store.world.demarches[self.row["demarche"]]
        decided = self.row["processed_at"] or self.now
        text = dossier_content.notice_body(
            notice,
            number,
            demarche["title"],
            decided,
            service=demarche.get("service", {}).get("nom", ""),
            motivation=self.details.get("motivation"),
        )
        return dossier_content.new_message(
            self.details, number, CONTACT_EMAIL, text, self.now, [], "system"
        )

    def resolve_correction(self) -> None:
        """The pending correction, if any, is resolved now (DS's `resolve_pending_correction`)."""
        for message in self.details["messages"]:
            correction = message.get("correction")
            if correction and correction.get("dateResolution") is None:
                correction["dateResolution"] = self.now
        self.row["correction_at"] = None

    def passer_en_instruction(self, email: str | None, instructeur_id: int | None = None) -> None:
        self.row["state"] = "en_instruction"
        self.row["en_instruction_at"] = self.now
        event = "passe_en_instruction" if email else "passe_en_instruction_automatiquement"
        self.traitement(event, "en_instruction", email)
        self.resolve_correction()
        if instructeur_id is not None:
            self.follow(instructeur_id, True)  # DS: the instructeur who takes it follows it
        self.notify("en_instruction")
        self.touch()

    def decide(
        self,
        state: str,
        email: str | None,
        motivation: str | None,
        justificatif: dict[str, Any] | None,
    ) -> None:
        self.row["state"] = state
        self.row["processed_at"] = self.now
        self.details["motivation"] = motivation
        self.details["motivationAttachment"] = justificatif
        number = self.row["number"]
        demarche = self.store.world.demarches[self.row["demarche"]]
        attestation = state == "accepte" and demarche.get("attestation", True)
        self.details["attestation"] = (
            dossier_content.file_dict(
                f"att-{self.store.seed}-{number}-{self.now}",
                f"attestation-{number}.pdf",
                "application/pdf",
                self.now + ATTESTATION_DELAY_US,
            )
            if attestation
            else None
        )
        self.details["attestationReadyAt"] = self.now + ATTESTATION_DELAY_US
        self.traitement(DECISION_EVENTS[state], state, email, motivation)
        self.notify(state)
        self.touch()

    def repasser_en_instruction(self, email: str | None) -> None:
        # DS keeps dateTraitement (processed_at) and moves datePassageEnInstruction.
        self.row["state"] = "en_instruction"
        self.row["en_instruction_at"] = self.now
        self.row["archived"] = 0
        self.details["motivation"] = None
        self.details["motivationAttachment"] = None
        self.details["attestation"] = None
        self.traitement("repasse_en_instruction", "en_instruction", email)
        self.notify("repasse_en_instruction")
        self.touch()

    def repasser_en_construction(self, email: str | None) -> None:
        # DS keeps datePassageEnInstruction and moves datePassageEnConstruction.
        self.row["state"] = "en_construction"
        self.details["datePassageEnConstruction"] = self.now
        self.traitement("repasse_en_construction", "en_construction", email)
        self.touch()

    def set_archived(self, archived: bool) -> None:
        self.row["archived"] = 1 if archived else 0
        self.touch()

    # --- other changes ---------------------------------------------------------------

    def add_message(
        self,
        email: str,
        body: str,
        files: list[dict[str, Any]],
        author: str,
        correction: str | None = None,
    ) -> dict[str, Any]:
        message = dossier_content.new_message(
            self.details, self.row["number"], email, body, self.now, files, author
        )
        if correction is not None:
            message["correction"] = {"reason": correction, "dateResolution": None}
            self.row["correction_at"] = self.now
        self.touch()
        return message

    def add_avis(
        self, claimant: dict[str, Any], expert_email: str, question: str, reponse: str | None
    ) -> dict[str, Any]:
        """An avis asked to an expert (and maybe already answered): moves updated_at."""
        self.details["seq"] += 1
        avis_id = self.row["number"] * dossier_content.ID_STRIDE + self.details["seq"]
        avis: dict[str, Any] = {
            "id": gid("Avis", avis_id),
            "question": question,
            "questionLabel": None,
            "questionAnswer": None,
            "reponse": reponse,
            "dateQuestion": self.now,
            "dateReponse": self.now if reponse else None,
            "claimant": claimant,
            "instructeur": claimant,
            "expert": {"id": gid("Expert", avis_id), "email": expert_email},
            "attachments": [],
            "attachment": None,
        }
        self.details["avis"].append(avis)
        self.touch()
        return avis

    def follow(self, instructeur_id: int, follow: bool) -> None:
        followers = self.details["followers"]
        if follow and instructeur_id not in followers:
            followers.append(instructeur_id)
            self.touch()
        elif not follow and instructeur_id in followers:
            followers.remove(instructeur_id)
            self.touch()

    def change_groupe(self, groupe: int) -> None:
        """The dossier moves to another groupe: who is not in it stops following it (DS)."""
        self.row["groupe"] = groupe
        members = set(self.store.world.groupes[groupe]["instructeurs"])
        self.details["followers"] = [i for i in self.details["followers"] if i in members]
        self.touch()

    def edit_champ(self) -> dict[str, Any] | None:
        """The usager edits a field: the first text-like champ gets a new value."""
        champs: list[dict[str, Any]] = self.details["champs"]
        for champ in champs:
            if champ["__typename"] == "TextChamp":
                base = (champ.get("stringValue") or "").split(" (modifié")[0]
                champ["stringValue"] = f"{base} (modifié le {self.now // 1_000_000})"
                champ["value"] = champ["stringValue"]
                champ["updatedAt"] = self.now
                for column in champ.get("columns") or []:
                    column["stringValue"] = column["value"] = champ["stringValue"]
                self.row["champs_at"] = self.now
                self.touch()
                return champ
        self.row["champs_at"] = self.now
        self.touch()
        return None

    def annotation_changed(self) -> None:
        self.row["annotations_at"] = self.now
        self.touch()


def path_to(current: str, target: str) -> list[str]:
    """The states to go through, as an instructeur would in DS's interface."""
    if current == target:
        return []
    if current == "en_construction":
        return ["en_instruction"] + ([] if target == "en_instruction" else [target])
    if current == "en_instruction":
        return [target]
    # terminé
    steps = ["en_instruction"]
    if target == "en_construction":
        steps.append("en_construction")
    elif target in TERMINE:
        steps.append(target)
    return steps


def apply_step(
    change: Change,
    target: str,
    email: str | None,
    motivation: str | None,
    instructeur_id: int | None = None,
) -> None:
    if target == "en_instruction":
        if change.row["state"] == "en_construction":
            change.passer_en_instruction(email, instructeur_id)
        else:
            change.repasser_en_instruction(email)
    elif target == "en_construction":
        change.repasser_en_construction(email)
    else:
        change.decide(target, email, motivation, None)
