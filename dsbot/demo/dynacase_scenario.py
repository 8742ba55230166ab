"""What people do in Dynacase's own interface during `dsbot demo --dynacase`: a request for a
grant is filed, then moved along its workflow, through the sandbox's control API (a change made
outside dsbot, which the notifications must show)."""

from __future__ import annotations

from typing import Any

import httpx

FAMILY = "DEMANDE_SUBVENTION"

# (state, who, comment, parameters, what the terminal says)
_MOVES: tuple[tuple[str, str, str | None, dict[str, Any], str], ...] = (
    ("e_sub_transmis", "s.bernard", None, {}, "Sophie Bernard transmet sa demande"),
    (
        "e_sub_instruit",
        "c.martin",
        "Pièces complètes, avis favorable.",
        {"sub_avis": "favorable", "sub_date_instruction": "2026-11-02"},
        "Claire Martin instruit la demande (avis favorable)",
    ),
    (
        "e_sub_accorde",
        "p.durand",
        "Accordé en commission.",
        {},
        "Paul Durand accorde la subvention",
    ),
)


class DynacaseScenario:
    """One step at a time: a new request, then each move of its workflow, then a new one."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self._doc: int | None = None
        self._move = 0
        self._count = 0

    def close(self) -> None:
        self.http.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post(path, json=body)
        answer.raise_for_status()
        return dict(answer.json())

    def step(self) -> str:
        if self._doc is None or self._move >= len(_MOVES):
            self._count += 1
            created = self._post(
                "/_sandbox/documents",
                {
                    "family": FAMILY,
                    "title": f"Fête de quartier n° {self._count}",
                    "user": "s.bernard",
                    "attributes": {
                        "sub_organisme": "Comité des Lices",
                        "sub_objet": "Fête de quartier",
                        "sub_montant": 12_000,
                    },
                },
            )
            self._doc, self._move = int(created["initid"]), 0
            return "Sophie Bernard crée une demande de subvention (brouillon)"
        state, user, comment, parameters, what = _MOVES[self._move]
        body: dict[str, Any] = {"state": state, "user": user}
        if comment:
            body["comment"] = comment
        if parameters:
            body["parameters"] = parameters
        self._post(f"/_sandbox/documents/{self._doc}/state", body)
        self._move += 1
        return what
