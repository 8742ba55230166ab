"""What a channel card needs of a dossier, captured when the feed reads it, so that the sender
renders the card later without reading DS again (docs/scaling.md, "Cards from the feed's read").

`capture(dossier)` keeps the fields `views.dossier_detail` reads, in the shape of DS's own
answer (`get_dossier.graphql`), and `restore(captured)` is `parse_dossier` of it: the card is
the one a fresh read would give, for the dossier as the feed saw it. Left out: the champs and
the annotations (no card shows them), an avis's answer (the card says when it was given, not
what), the bodies of all messages but the last one
people wrote (the card quotes only that one), a traitement's motivation (the dossier's own is
kept). Texts are cut to `TEXT_CAP` characters (a card shows 3,000 at most), so a capture stays
a few kilobytes, far under `MAX_CAPTURE_BYTES`.
"""

from __future__ import annotations

import json
from typing import Any

from dsbot.backends.ds.models import (
    Dossier,
    File,
    Message,
    PersonneMorale,
    PersonnePhysique,
    Profile,
    format_datetime,
    is_ds_notice,
    parse_dossier,
)

__all__ = ["MAX_CAPTURE_BYTES", "TEXT_CAP", "capture", "restore"]

TEXT_CAP = 4000
MAX_CAPTURE_BYTES = 64 * 1024
# Messages kept (the newest): the card counts them and names who may delete one of theirs.
MESSAGES_CAP = 200


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= TEXT_CAP:
        return text
    return text[: TEXT_CAP - 1] + "…"


def _dt(value: Any) -> str | None:
    return format_datetime(value) if value is not None else None


def _profile(p: Profile) -> dict[str, str]:
    return {"id": p.id, "email": p.email}


def _file(f: File | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"filename": _cut(f.filename), "contentType": f.content_type, "byteSize": f.byte_size}


def _demandeur(dossier: Dossier) -> dict[str, Any] | None:
    d = dossier.demandeur
    if isinstance(d, PersonnePhysique):
        return {
            "__typename": "PersonnePhysique",
            "civilite": d.civilite,
            "nom": d.nom,
            "prenom": d.prenom,
        }
    if isinstance(d, PersonneMorale):
        return {
            "__typename": "PersonneMorale",
            "siret": d.siret,
            "entreprise": {"raisonSociale": d.raison_sociale},
        }
    return None


def _messages(dossier: Dossier) -> list[dict[str, Any]]:
    visible = sorted(dossier.visible_messages, key=lambda m: m.created_at)[-MESSAGES_CAP:]
    people = [m for m in visible if not is_ds_notice(m.email)]
    quoted: Message | None = max(people, key=lambda m: m.created_at) if people else None
    return [
        {
            "id": m.id,
            "email": m.email,
            "body": _cut(m.body) if m is quoted else "",
            "createdAt": _dt(m.created_at),
            "attachments": [_file(f) for f in m.attachments[:20]] if m is quoted else [],
        }
        for m in visible
    ]


def capture(dossier: Dossier) -> dict[str, Any]:
    """What the card needs of `dossier`, as JSON-ready data (see the module's docstring)."""
    groupe = dossier.groupe_instructeur
    return {
        "id": dossier.id,
        "number": dossier.number,
        "state": dossier.state.value,
        "archived": dossier.archived,
        "demarche": {
            "id": dossier.demarche.id,
            "number": dossier.demarche.number,
            "title": dossier.demarche.title,
        },
        "groupeInstructeur": {
            "id": groupe.id,
            "number": groupe.number,
            "label": groupe.label,
            "closed": groupe.closed,
            "instructeurs": [_profile(p) for p in groupe.instructeurs],
        },
        "dateDepot": _dt(dossier.date_depot),
        "dateDerniereModification": _dt(dossier.date_derniere_modification),
        "usager": {"email": dossier.usager_email} if dossier.usager_email else None,
        "demandeur": _demandeur(dossier),
        "datePassageEnConstruction": _dt(dossier.date_passage_en_construction),
        "datePassageEnInstruction": _dt(dossier.date_passage_en_instruction),
        "dateTraitement": _dt(dossier.date_traitement),
        "dateExpiration": _dt(dossier.date_expiration),
        "datePrevisionnelleDecisionSVASVR": (
            dossier.date_previsionnelle_decision.isoformat()
            if dossier.date_previsionnelle_decision
            else None
        ),
        "dateDerniereCorrectionEnAttente": _dt(dossier.date_derniere_correction_en_attente),
        "dateSuppressionParUsager": _dt(dossier.date_suppression_par_usager),
        "dateSuppressionParAdministration": _dt(dossier.date_suppression_par_administration),
        "motivation": _cut(dossier.motivation),
        "motivationAttachment": _file(dossier.motivation_attachment),
        "instructeurs": [_profile(p) for p in dossier.followers],
        "labels": [{"id": lb.id, "name": lb.name, "color": lb.color} for lb in dossier.labels],
        "messages": _messages(dossier),
        # The card lists each avis: its question, its expert, asked on, answered on or pending.
        "avis": [
            {
                "id": a.id,
                "question": _cut(a.question),
                "reponse": None,
                "dateQuestion": _dt(a.date_question),
                "dateReponse": _dt(a.date_reponse),
                "claimant": {"email": a.claimant_email} if a.claimant_email else None,
                "expert": {"email": a.expert_email} if a.expert_email else None,
            }
            for a in dossier.avis
        ],
        "traitements": [
            {
                "state": t.state.value,
                "event": t.event,
                "dateTraitement": _dt(t.date),
                "emailAgentTraitant": t.email_agent_traitant,
            }
            for t in dossier.traitements
        ],
    }


def capture_text(dossier: Dossier) -> str:
    """`capture` as the JSON text the store keeps; ValueError past MAX_CAPTURE_BYTES."""
    text = json.dumps(capture(dossier), separators=(",", ":"), ensure_ascii=False)
    if len(text.encode()) > MAX_CAPTURE_BYTES:
        raise ValueError(f"card capture of dossier {dossier.number} over {MAX_CAPTURE_BYTES} bytes")
    return text


def restore(captured: str) -> Dossier:
    """The dossier again, from `capture_text`: what its card shows, as when it was captured."""
    return parse_dossier(json.loads(captured))
