"""A DS dossier as the port's view types (`ItemDetail`, `port.py`), for the Slack card, the
link preview and the digest: what DS's model means (which dates count in which state, who
the demandeur is, which actions a state allows) is decided here, once, and the Slack builders
only render the result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dsbot.backends.ds.backend import dossier_url, item_state, moves_from, state_actions
from dsbot.backends.ds.models import Dossier, DossierState, PersonneMorale, PersonnePhysique
from dsbot.backends.port import (
    BackendName,
    DetailDate,
    DetailField,
    DetailNotice,
    ItemAction,
    ItemDetail,
    ItemLabel,
    ItemPerson,
    ItemState,
    QuotedText,
)

# Actions of the card besides the state moves: ids as the Slack layer names them.
ARCHIVER = "archiver"
REPONDRE = "repondre"
# The « Plus d'actions… » menu's entries, as the Slack layer names them (`ids.MORE_*`).
MENU_SUIVRE = "suivre"
MENU_ETIQUETTES = "etiquettes"
MENU_ANNOTATIONS = "annotations"
MENU_CORRECTION = "correction"
MENU_CHANGER_GROUPE = "changer_groupe"
MENU_REPASSER_EN_CONSTRUCTION = "repasser_en_construction"
MENU_DESARCHIVER = "desarchiver"
# A SIRET is 14 digits; anything longer is not one and is cut.
_SIRET_MAX = 40
# Where a template's date goes: `DetailDate.brief` and `DetailNotice.text` keep it for the
# renderer, which knows how to show a date.
_DATE = "{date}"
PARIS = ZoneInfo("Europe/Paris")


def states(texts: Callable[..., str]) -> tuple[ItemState, ...]:
    """DS's five states, in their order (the digest's counts, the subscription filters)."""
    return tuple(item_state(s, texts) for s in DossierState)


def page_url(web_base: str, demarche: str, number: str) -> str:
    """The instructeur's page of a dossier from its démarche's and its own number."""
    return dossier_url(web_base, int(demarche), int(number))


def card_actions(state: DossierState, *, archived: bool) -> tuple[str, ...]:
    """The card's action buttons from this state, in order: DS's state moves (`moves_from`,
    docs/ds-api.md, "State machine"), Archiver once decided, Répondre.

    Repasser en construction is not a button: it hands the dossier back to the usager without a
    message, which a correction request does better; both are in the menu (`menu_entries`).
    """
    moves = moves_from(state)
    if state.is_termine and not archived:
        moves += (ARCHIVER,)
    return (*moves, REPONDRE)


def menu_entries(state: DossierState, *, archived: bool) -> tuple[str, ...]:
    """The menu's entries whoever acts, in order (deleting one's message is the viewer's)."""
    is_open = state in (DossierState.EN_CONSTRUCTION, DossierState.EN_INSTRUCTION)
    entries = [MENU_SUIVRE, MENU_ETIQUETTES, MENU_ANNOTATIONS]
    if is_open and not archived:
        entries.append(MENU_CORRECTION)
    if is_open:
        entries.append(MENU_CHANGER_GROUPE)
    if state is DossierState.EN_INSTRUCTION:
        entries.append(MENU_REPASSER_EN_CONSTRUCTION)
    if archived:
        entries.append(MENU_DESARCHIVER)
    return tuple(entries)


def _actions(dossier: Dossier, texts: Callable[..., str]) -> tuple[ItemAction, ...]:
    moves = {a.id: a for a in state_actions(dossier.state, texts)}
    return tuple(
        moves.get(name) or ItemAction(name, texts(f"button.{name}"))
        for name in card_actions(dossier.state, archived=dossier.archived)
    )


def _demandeur(dossier: Dossier, texts: Callable[..., str]) -> DetailField:
    demandeur = dossier.demandeur
    lines: list[str] = []
    if isinstance(demandeur, PersonnePhysique) and (
        demandeur.nom.strip() or demandeur.prenom.strip()
    ):
        civilite = (
            texts(f"civilite.{demandeur.civilite}") if demandeur.civilite in ("M", "Mme") else ""
        )
        lines.append(
            " ".join(p for p in (civilite, demandeur.nom.strip(), demandeur.prenom.strip()) if p)
        )
    elif isinstance(demandeur, PersonneMorale) and (demandeur.raison_sociale or demandeur.siret):
        lines.append(demandeur.raison_sociale or texts("card.demandeur.raison_sociale_missing"))
        if demandeur.siret:
            lines.append(texts("card.demandeur.siret", siret=demandeur.siret[:_SIRET_MAX]))
    else:
        lines.append(texts("card.demandeur.empty"))
    if dossier.usager_email:
        lines.append(dossier.usager_email)
    return DetailField(texts("card.field.demandeur"), tuple(lines), personal=True)


def _dates(dossier: Dossier, texts: Callable[..., str]) -> tuple[DetailDate, ...]:
    dates = [
        DetailDate(texts("card.date.depot"), dossier.date_depot, texts("unfurl.depot", date=_DATE))
    ]
    # DS keeps datePassageEnInstruction (and dateTraitement) when a dossier goes back: shown
    # for a dossier en construction, it would date an instruction that is no longer running.
    instruction_ran = dossier.state is not DossierState.EN_CONSTRUCTION
    if dossier.date_passage_en_instruction and instruction_ran:
        dates.append(
            DetailDate(
                texts("card.date.instruction"),
                dossier.date_passage_en_instruction,
                texts("unfurl.instruction", date=_DATE),
            )
        )
    if dossier.date_traitement and dossier.state.is_termine:
        agent = dossier.last_traitement.email_agent_traitant if dossier.last_traitement else None
        dates.append(
            DetailDate(
                texts("card.date.traitement"),
                dossier.date_traitement,
                texts("unfurl.traitement", date=_DATE),
                by=agent or None,
            )
        )
    if dossier.date_expiration:
        dates.append(
            DetailDate(texts("card.date.expiration"), dossier.date_expiration, with_time=False)
        )
    return tuple(dates)


def _notices(dossier: Dossier, texts: Callable[..., str]) -> tuple[DetailNotice, ...]:
    notices = (
        ("card.correction_pending", dossier.date_derniere_correction_en_attente),
        ("card.deleted_by_usager", dossier.date_suppression_par_usager),
        ("card.deleted_by_admin", dossier.date_suppression_par_administration),
    )
    return tuple(DetailNotice(texts(key, date=_DATE), at) for key, at in notices if at)


def _motivation(dossier: Dossier) -> QuotedText | None:
    if not (dossier.state.is_termine and (dossier.motivation or dossier.motivation_attachment)):
        return None
    attachment = dossier.motivation_attachment
    filenames = (attachment.filename,) if attachment else ()
    return QuotedText(dossier.motivation or "", attachments=filenames)


def _last_message(dossier: Dossier) -> QuotedText | None:
    # DS's own notices (one per transition) repeat what the card already shows.
    messages = dossier.conversation
    if not messages:
        return None
    last = max(messages, key=lambda m: m.created_at)
    return QuotedText(
        last.body, last.email, last.created_at, tuple(f.filename for f in last.attachments)
    )


def _deletable_by(dossier: Dossier) -> frozenset[str]:
    """Who has a message of their own still shown (DS matches messages by e-mail)."""
    emails = {m.email.lower() for m in dossier.visible_messages}
    profiles = (*dossier.groupe_instructeur.instructeurs, *dossier.followers)
    return frozenset(p.id for p in profiles if p.email and p.email.lower() in emails)


def reached_by(dossier: Dossier) -> tuple[str, datetime] | None:
    """Who put the dossier in its current state, and when: the agent of the latest traitement
    into that state; None when DS names nobody."""
    # DS dates traitements to the second: on a tie, the later one in DS's list is the newer.
    ordered = sorted(dossier.traitements, key=lambda tr: tr.date)
    last = next((tr for tr in reversed(ordered) if tr.state == dossier.state), None)
    if last is None or not last.email_agent_traitant:
        return None
    return last.email_agent_traitant, last.date


# At most this many avis on a card (the newest), each question cut to a line.
AVIS_SHOWN = 5
AVIS_QUESTION_MAX = 80


def _avis(dossier: Dossier, texts: Callable[..., str], now: datetime) -> tuple[DetailField, ...]:
    """The avis asked on the dossier: question, expert, asked on, answered on or pending for N
    days. Personal (experts' e-mails, questions about the demandeur): never in a preview."""
    if not dossier.avis:
        return ()
    lines = []
    for avis in sorted(dossier.avis, key=lambda a: a.date_question, reverse=True)[:AVIS_SHOWN]:
        question = " ".join(avis.question.split())
        if len(question) > AVIS_QUESTION_MAX:
            question = question[: AVIS_QUESTION_MAX - 1] + "…"
        params = {
            "question": question,
            "expert": avis.expert_email or "?",
            "asked": _day(avis.date_question),
        }
        if avis.date_reponse is not None:
            lines.append(texts("card.avis.answered", answered=_day(avis.date_reponse), **params))
        else:
            days = max((now - avis.date_question).days, 0)
            key = "card.avis.pending.one" if days == 1 else "card.avis.pending"
            lines.append(texts(key, days=days, **params))
    return (DetailField(texts("card.avis.title"), tuple(lines), personal=True),)


def _day(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y")


def dossier_detail(
    dossier: Dossier,
    texts: Callable[..., str],
    web_base: str,
    now: datetime | None = None,
) -> ItemDetail:
    """The dossier's card as the port's view; `texts` is the text catalog (`dsbot.texts`);
    `now` (default: the clock) counts how long an avis has been pending."""
    return ItemDetail(
        backend=BackendName.DS,
        ref=str(dossier.number),
        title=texts("item.ds_title", number=dossier.number),
        kind=dossier.demarche.title,
        state=item_state(dossier.state, texts),
        url=dossier_url(web_base, dossier.demarche.number, dossier.number),
        groupe=dossier.groupe_instructeur.label,
        archived=dossier.archived,
        fields=(_demandeur(dossier, texts), *_avis(dossier, texts, now or datetime.now(UTC))),
        followers=tuple(ItemPerson(p.id, p.email) for p in dossier.followers),
        labels=tuple(ItemLabel(lb.id, lb.name, lb.color) for lb in dossier.labels),
        message_count=len(dossier.conversation),
        dates=_dates(dossier, texts),
        notices=_notices(dossier, texts),
        motivation=_motivation(dossier),
        last_message=_last_message(dossier),
        actions=_actions(dossier, texts),
        menu=menu_entries(dossier.state, archived=dossier.archived),
        deletable_by=_deletable_by(dossier),
        others_messages=any(m.email != dossier.usager_email for m in dossier.conversation),
    )
