"""Which item a notification is about: `(backend, ref)`, the key of the outbox, of the channel
messages and of the payloads. `ref` is text, as the backend addresses the item for good (a DS
dossier number, a Dynacase initid), so that a backend whose references are not numbers can be
notified too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsbot.backends.port import BackendName


@dataclass(frozen=True)
class ItemRef:
    """An item of a backend: a DS dossier (`ItemRef.ds(1234)`) or a Dynacase document."""

    backend: BackendName
    ref: str

    def __post_init__(self) -> None:
        # A plain "dynacase" (read from a row or a payload) becomes the enum, so that two refs
        # of one item compare equal however they were made.
        object.__setattr__(self, "backend", BackendName(self.backend))

    @classmethod
    def ds(cls, number: int) -> ItemRef:
        return cls(BackendName.DS, str(number))

    @property
    def ds_number(self) -> int | None:
        """The DS dossier number, for the code that speaks to DS; None for another backend's
        item (its ref need not be a number)."""
        return int(self.ref) if self.backend is BackendName.DS else None

    def to_json(self) -> dict[str, str]:
        return {"backend": self.backend.value, "ref": self.ref}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ItemRef:
        return cls(backend=BackendName(d["backend"]), ref=str(d["ref"]))
