"""What happens in DS while the demo runs: usagers deposit and write, instructeurs decide.

Each step acts on the embedded sandbox (its control API for the usager's side and DS's web
interface, real GraphQL mutations for the instructeur's) and says in one line what it did.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

USAGER_MESSAGES = (
    "Bonjour, je vous joins l’attestation demandée. Cordialement.",
    "Pouvez-vous me dire où en est mon dossier ? Merci d’avance.",
    "J’ai corrigé l’adresse du siège comme demandé.",
)
MOTIVATIONS = (
    "Dossier complet et conforme aux critères d’éligibilité.",
    "Les justificatifs fournis ne permettent pas d’établir l’éligibilité.",
)


@dataclass
class Scenario:
    sandbox_url: str
    ds: Any  # DS's client, as the registry builds it
    demarche: int
    control: httpx.Client = field(init=False)
    deposited: list[int] = field(default_factory=list)
    _steps: Iterator[Callable[[], str]] = field(init=False)

    def __post_init__(self) -> None:
        self.control = httpx.Client(base_url=self.sandbox_url, timeout=10)
        self._steps = itertools.cycle(
            (
                self.deposit,
                self.deposit,
                self.usager_writes,
                self.instructeur_takes,
                self.instructeur_accepts,
                self.deposit,
                self.web_ui_refuses,
                self.usager_edits,
                self.deletion,
            )
        )

    def close(self) -> None:
        self.control.close()

    def step(self) -> str:
        """Run the next step; returns what happened, in French."""
        return next(self._steps)()

    # --- the usager's side -------------------------------------------------------------

    def deposit(self) -> str:
        answer = self.control.post("/_sandbox/dossiers", json={"demarche": self.demarche})
        answer.raise_for_status()
        number = answer.json()["number"]
        self.deposited.append(number)
        return f"un usager dépose le dossier n° {number}"

    def usager_writes(self) -> str:
        number = self._latest()
        body = USAGER_MESSAGES[number % len(USAGER_MESSAGES)]
        self.control.post(f"/_sandbox/dossiers/{number}/messages", json={"body": body})
        return f"l’usager du dossier n° {number} envoie un message"

    def usager_edits(self) -> str:
        number = self._latest()
        self.control.post(f"/_sandbox/dossiers/{number}/touch")
        return f"l’usager du dossier n° {number} modifie un champ de son formulaire"

    # --- the administration's side -------------------------------------------------------

    def instructeur_takes(self) -> str:
        dossier = self.ds.get_dossier(self._oldest())
        instructeur = dossier.groupe_instructeur.instructeurs[0]
        self.ds.passer_en_instruction(dossier, instructeur.id)
        return f"{instructeur.email} passe le dossier n° {dossier.number} en instruction"

    def instructeur_accepts(self) -> str:
        dossier = self.ds.get_dossier(self._oldest())
        instructeur = dossier.groupe_instructeur.instructeurs[0]
        if dossier.state.value == "en_construction":
            self.ds.passer_en_instruction(dossier, instructeur.id)
        self.ds.accepter(dossier, instructeur.id, motivation=MOTIVATIONS[0])
        self.deposited.remove(dossier.number)
        return f"{instructeur.email} accepte le dossier n° {dossier.number}"

    def web_ui_refuses(self) -> str:
        number = self._oldest()
        self.control.post(f"/_sandbox/dossiers/{number}/state", json={"state": "en_instruction"})
        self.control.post(f"/_sandbox/dossiers/{number}/state", json={"state": "refuse"})
        self.deposited.remove(number)
        return f"dans l’interface web de DS, le dossier n° {number} est refusé"

    def deletion(self) -> str:
        number = self._latest()
        self.control.delete(f"/_sandbox/dossiers/{number}")
        self.deposited.remove(number)
        return f"le dossier n° {number} est supprimé dans DS"

    def _latest(self) -> int:
        if not self.deposited:
            self.deposit()
        return self.deposited[-1]

    def _oldest(self) -> int:
        if not self.deposited:
            self.deposit()
        return self.deposited[0]
