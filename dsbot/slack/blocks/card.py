"""The dossier card: what an instructeur needs to decide, and the buttons DS allows now.

What a Dynacase document's card also shows goes through the port's types and the shared pieces
(`common.state_text`, `parts.py`): the state as the DS adapter names it, the state moves as its
`ItemAction`s, the acted note, the 🔒 reason, the link to DS, Share. The rest is DS's own:
demandeur, groupe, followers, labels, dates, motivation, last message, « Plus d'actions… ».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from dsbot.backends.ds.backend import dossier_url, moves_from, state_actions
from dsbot.backends.ds.models import Dossier, DossierState, PersonneMorale, PersonnePhysique
from dsbot.backends.port import BackendName, ItemAction
from dsbot.services.actions import own_messages
from dsbot.slack import ids
from dsbot.slack.blocks.common import (
    BUTTON_TEXT_MAX,
    CONTEXT_TEXT_MAX,
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    SlackMessage,
    date_token,
    escape,
    escape_truncate,
    excerpt,
    field,
    make_message,
    mrkdwn,
    plain,
    quote,
    state_label,
    truncate_mrkdwn,
)
from dsbot.slack.blocks.edits import label_emoji
from dsbot.slack.blocks.inputs import OPTION_TEXT_MAX
from dsbot.slack.blocks.modals import ACTION_BY_NAME, NAME_BY_ACTION
from dsbot.slack.blocks.parts import (
    acted_block,
    action_button,
    cannot_act_block,
    open_button,
    share_button,
)
from dsbot.texts import Texts

# Why a viewer may not act (Viewer.reason_key): catalog keys whose text also says how to fix it.
# `{groupe}`, `{number}` and `{demarche}` are available to each of them.
REASON_NOT_LINKED = "card.reason.not_linked"
REASON_NOT_IN_GROUPE = "card.reason.not_in_groupe"
REASON_READ_ONLY = "card.reason.read_only"
REASON_DELETED = "card.reason.deleted"
REASON_UNKNOWN = "card.reason.unknown"

# What ActedNote.action_key names: "<verb> par <@U…> <date>".
ACTED_PASSER_EN_INSTRUCTION = "acted.passer_en_instruction"
ACTED_ACCEPTER = "acted.accepter"
ACTED_REFUSER = "acted.refuser"
ACTED_CLASSER_SANS_SUITE = "acted.classer_sans_suite"
ACTED_REPASSER_EN_INSTRUCTION = "acted.repasser_en_instruction"
ACTED_REPONDRE = "acted.repondre"
ACTED_ARCHIVER = "acted.archiver"
ACTED_SUIVRE = "acted.suivre"
ACTED_NE_PLUS_SUIVRE = "acted.ne_plus_suivre"
ACTED_DEMANDER_CORRECTION = "acted.demander_correction"
ACTED_CHANGER_GROUPE = "acted.changer_groupe"
ACTED_REPASSER_EN_CONSTRUCTION = "acted.repasser_en_construction"
ACTED_DESARCHIVER = "acted.desarchiver"
ACTED_SUPPRIMER_MESSAGE = "acted.supprimer_message"

ACTED_KEY_BY_ACTION: dict[str, str] = {
    ids.ACTION_PASSER_EN_INSTRUCTION: ACTED_PASSER_EN_INSTRUCTION,
    ids.ACTION_ACCEPTER: ACTED_ACCEPTER,
    ids.ACTION_REFUSER: ACTED_REFUSER,
    ids.ACTION_CLASSER_SANS_SUITE: ACTED_CLASSER_SANS_SUITE,
    ids.ACTION_REPASSER_EN_INSTRUCTION: ACTED_REPASSER_EN_INSTRUCTION,
    ids.ACTION_REPONDRE: ACTED_REPONDRE,
    ids.ACTION_ARCHIVER: ACTED_ARCHIVER,
    ids.ACTION_SUIVRE: ACTED_SUIVRE,
    ids.ACTION_NE_PLUS_SUIVRE: ACTED_NE_PLUS_SUIVRE,
    ids.ACTION_DEMANDER_CORRECTION: ACTED_DEMANDER_CORRECTION,
    ids.ACTION_CHANGER_GROUPE: ACTED_CHANGER_GROUPE,
    ids.ACTION_REPASSER_EN_CONSTRUCTION: ACTED_REPASSER_EN_CONSTRUCTION,
    ids.ACTION_DESARCHIVER: ACTED_DESARCHIVER,
    ids.ACTION_SUPPRIMER_MESSAGE: ACTED_SUPPRIMER_MESSAGE,
}

# Buttons a card shows at most, so that it stays readable on a phone; the rest goes into
# the « Plus d'actions… » menu.
MAX_BUTTONS = 5
# A static select rather than an overflow menu: Slack's overflow holds 5 options, the card
# may need 8 (docs/slack.md, "Block Kit limits").
MORE_OPTIONS_MAX = 100

# Pieces of data are cut before they are assembled, so one long value cannot push the others
# out of a field.
_NAME_MAX = 200
_LIST_MAX = 600
_MESSAGE_EXCERPT_MAX = 800


@dataclass(frozen=True)
class Viewer:
    """Who looks at the card: their DS instructeur (if linked) and whether they may act."""

    instructeur_id: str | None
    can_act: bool
    reason_key: str | None = None


@dataclass(frozen=True)
class ActedNote:
    """The last action taken from Slack, shown under the card ("Accepté par <@U…> …").

    `who` is a Slack user id (rendered as a mention) or any other name (rendered as text);
    `action_key` is one of the ACTED_* catalog keys (or the ids.ACTION_* of the button).
    """

    who: str
    action_key: str
    at: datetime


def legal_actions(state: DossierState, *, archived: bool) -> tuple[str, ...]:
    """The card's action buttons from this state, in order: DS's state moves (the DS adapter's
    `moves_from`, docs/ds-api.md, "State machine"), Archiver once decided, Répondre.

    Repasser en construction is not a button: it hands the dossier back to the usager without a
    message, which a correction request does better; both are in the menu (`menu_options`).
    """
    moves = tuple(ACTION_BY_NAME[name] for name in moves_from(state))
    if state.is_termine and not archived:
        moves += (ids.ACTION_ARCHIVER,)
    return (*moves, ids.ACTION_REPONDRE)


def build_dossier_card(
    dossier: Dossier,
    *,
    viewer: Viewer,
    texts: Texts,
    ds_web_base: str,
    ephemeral: bool = True,
    acted: ActedNote | None = None,
) -> SlackMessage:
    """The card of one dossier, with the buttons `viewer` may use on it now."""
    blocks: list[Block] = [
        HeaderBlock(
            block_id=ids.BLOCK_CARD_HEADER,
            text=plain(
                texts("card.header", number=dossier.number, demarche=dossier.demarche.title),
                HEADER_TEXT_MAX,
            ),
        ),
        SectionBlock(block_id=ids.BLOCK_CARD_FACTS, fields=_facts(dossier, texts)),
        SectionBlock(block_id=ids.BLOCK_CARD_DATES, fields=_dates(dossier, texts)),
    ]
    notices = _notices(dossier, texts)
    if notices:
        blocks.append(ContextBlock(block_id=ids.BLOCK_CARD_NOTICES, elements=notices))
    if dossier.state.is_termine and (dossier.motivation or dossier.motivation_attachment):
        blocks.append(
            SectionBlock(block_id=ids.BLOCK_CARD_MOTIVATION, text=_motivation(dossier, texts))
        )
    last_message = _last_message(dossier, texts)
    if last_message is not None:
        blocks.append(SectionBlock(block_id=ids.BLOCK_CARD_LAST_MESSAGE, text=last_message))
    if acted is not None:
        key = ACTED_KEY_BY_ACTION.get(acted.action_key, acted.action_key)
        blocks.append(acted_block(ids.BLOCK_CARD_ACTED, texts, key, who=acted.who, at=acted.at))
    if not viewer.can_act:
        # Reason texts come from several services; each may use any of these placeholders.
        reason = texts(
            viewer.reason_key or REASON_UNKNOWN,
            groupe=escape(dossier.groupe_instructeur.label),
            number=dossier.number,
            demarche=escape(dossier.demarche.title),
        )
        blocks.append(cannot_act_block(ids.BLOCK_CARD_CANNOT_ACT, reason))
    blocks.append(
        ActionsBlock(
            block_id=ids.BLOCK_CARD_ACTIONS,
            elements=_buttons(
                dossier, viewer=viewer, texts=texts, ds_web_base=ds_web_base, ephemeral=ephemeral
            ),
        )
    )
    fallback = texts(
        "card.fallback",
        number=dossier.number,
        state=texts(f"state.{dossier.state.value}"),
        demarche=escape(dossier.demarche.title),
    )
    return make_message(fallback, blocks)


# --- pieces -------------------------------------------------------------------------------------


def _facts(dossier: Dossier, texts: Texts) -> list[MarkdownTextObject]:
    state = state_label(dossier.state, texts)
    if dossier.archived:
        state += f" · {texts('card.archived')}"
    fields = [
        field(texts("card.field.state"), state),
        field(texts("card.field.demandeur"), _demandeur(dossier, texts)),
        field(
            texts("card.field.groupe"),
            escape_truncate(dossier.groupe_instructeur.label, _NAME_MAX),
        ),
        field(
            texts("card.field.followers"),
            escape_truncate(", ".join(p.email for p in dossier.followers), _LIST_MAX)
            if dossier.followers
            else texts("card.followers.none"),
        ),
    ]
    if dossier.labels:
        fields.append(
            field(
                texts("card.field.labels"),
                escape_truncate(
                    ", ".join(f"{label_emoji(lb.color)} {lb.name}" for lb in dossier.labels),
                    _LIST_MAX,
                ),
            )
        )
    count = len(dossier.conversation)
    key = {0: "card.messages.none", 1: "card.messages.one"}.get(count, "card.messages.many")
    fields.append(field(texts("card.field.messages"), texts(key, count=count)))
    return fields


def _demandeur(dossier: Dossier, texts: Texts) -> str:
    demandeur = dossier.demandeur
    lines: list[str] = []
    if isinstance(demandeur, PersonnePhysique) and (
        demandeur.nom.strip() or demandeur.prenom.strip()
    ):
        civilite = (
            texts(f"civilite.{demandeur.civilite}") if demandeur.civilite in ("M", "Mme") else ""
        )
        name = " ".join(p for p in (civilite, demandeur.nom.strip(), demandeur.prenom.strip()) if p)
        lines.append(escape_truncate(name, _NAME_MAX))
    elif isinstance(demandeur, PersonneMorale) and (demandeur.raison_sociale or demandeur.siret):
        lines.append(
            escape_truncate(demandeur.raison_sociale, _NAME_MAX)
            if demandeur.raison_sociale
            else texts("card.demandeur.raison_sociale_missing")
        )
        if demandeur.siret:
            lines.append(texts("card.demandeur.siret", siret=escape_truncate(demandeur.siret, 40)))
    else:
        lines.append(texts("card.demandeur.empty"))
    if dossier.usager_email:
        lines.append(escape_truncate(dossier.usager_email, _NAME_MAX))
    return "\n".join(lines)


def _dates(dossier: Dossier, texts: Texts) -> list[MarkdownTextObject]:
    fields = [field(texts("card.date.depot"), date_token(dossier.date_depot))]
    # DS keeps datePassageEnInstruction (and dateTraitement) when a dossier goes back: shown
    # for a dossier en construction, it would date an instruction that is no longer running.
    instruction_ran = dossier.state is not DossierState.EN_CONSTRUCTION
    if dossier.date_passage_en_instruction and instruction_ran:
        fields.append(
            field(texts("card.date.instruction"), date_token(dossier.date_passage_en_instruction))
        )
    if dossier.date_traitement and dossier.state.is_termine:
        value = date_token(dossier.date_traitement)
        agent = dossier.last_traitement.email_agent_traitant if dossier.last_traitement else None
        if agent:
            value += "\n" + texts("card.by", who=escape_truncate(agent, _NAME_MAX))
        fields.append(field(texts("card.date.traitement"), value))
    if dossier.date_expiration:
        fields.append(
            field(
                texts("card.date.expiration"),
                date_token(dossier.date_expiration, with_time=False),
            )
        )
    return fields


def _notices(dossier: Dossier, texts: Texts) -> list[MarkdownTextObject]:
    notices: list[str] = []
    if dossier.date_derniere_correction_en_attente:
        notices.append(
            texts(
                "card.correction_pending",
                date=date_token(dossier.date_derniere_correction_en_attente),
            )
        )
    if dossier.date_suppression_par_usager:
        notices.append(
            texts("card.deleted_by_usager", date=date_token(dossier.date_suppression_par_usager))
        )
    if dossier.date_suppression_par_administration:
        notices.append(
            texts(
                "card.deleted_by_admin",
                date=date_token(dossier.date_suppression_par_administration),
            )
        )
    return [mrkdwn(n, CONTEXT_TEXT_MAX) for n in notices]


def _motivation(dossier: Dossier, texts: Texts) -> MarkdownTextObject:
    parts = [f"*{texts('card.motivation')}*"]
    if dossier.motivation:
        parts.append(quote(excerpt(dossier.motivation, SECTION_TEXT_MAX - 200, max_lines=30)))
    if dossier.motivation_attachment:
        parts.append(
            texts(
                "card.motivation.attachment",
                filename=escape_truncate(dossier.motivation_attachment.filename, _NAME_MAX),
            )
        )
    return mrkdwn("\n".join(parts))


def _last_message(dossier: Dossier, texts: Texts) -> MarkdownTextObject | None:
    # DS's own notices (one per transition) repeat what the card already shows.
    messages = dossier.conversation
    if not messages:
        return None
    last = max(messages, key=lambda m: m.created_at)
    heading = texts(
        "card.last_message",
        author=escape_truncate(last.email, _NAME_MAX),
        date=date_token(last.created_at),
    )
    parts = [heading]
    if last.body.strip():
        parts.append(quote(excerpt(last.body, _MESSAGE_EXCERPT_MAX)))
    if last.attachments:
        key = "card.attachments.one" if len(last.attachments) == 1 else "card.attachments.many"
        parts.append(texts(key, count=len(last.attachments)))
    return mrkdwn(truncate_mrkdwn("\n".join(parts), SECTION_TEXT_MAX))


def _actions(dossier: Dossier, texts: Texts) -> list[tuple[str, ItemAction]]:
    """(action_id, action) of each action button: the state moves are the DS adapter's."""
    moves = {ACTION_BY_NAME[a.id]: a for a in state_actions(dossier.state, texts)}
    return [
        (a, moves.get(a) or ItemAction(NAME_BY_ACTION[a], texts(f"button.{NAME_BY_ACTION[a]}")))
        for a in legal_actions(dossier.state, archived=dossier.archived)
    ]


def menu_options(dossier: Dossier, viewer: Viewer) -> tuple[str, ...]:
    """The menu's options (ids.MORE_*) for this dossier now, in the menu's order."""
    if not viewer.can_act:
        return ()
    state, archived = dossier.state, dossier.archived
    is_open = state in (DossierState.EN_CONSTRUCTION, DossierState.EN_INSTRUCTION)
    options = [ids.MORE_SUIVRE, ids.MORE_ETIQUETTES, ids.MORE_ANNOTATIONS]
    if is_open and not archived:
        options.append(ids.MORE_CORRECTION)
    if is_open:
        options.append(ids.MORE_CHANGER_GROUPE)
    if state is DossierState.EN_INSTRUCTION:
        options.append(ids.MORE_REPASSER_EN_CONSTRUCTION)
    if archived:
        options.append(ids.MORE_DESARCHIVER)
    # A card in a channel does not know who will pick: any instructeur message may be theirs.
    mine = (
        own_messages(dossier, viewer.instructeur_id)
        if viewer.instructeur_id
        else tuple(m for m in dossier.conversation if m.email != dossier.usager_email)
    )
    if mine:
        options.append(ids.MORE_SUPPRIMER_MESSAGE)
    return tuple(options)


def _menu_text(option: str, dossier: Dossier, viewer: Viewer, texts: Texts) -> str:
    if option == ids.MORE_SUIVRE and viewer.instructeur_id:
        follows = any(p.id == viewer.instructeur_id for p in dossier.followers)
        return texts("more.ne_plus_suivre" if follows else "more.suivre")
    return texts(f"more.{option}")


def _menu(
    options: list[str], dossier: Dossier, viewer: Viewer, texts: Texts
) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=ids.ACTION_CARD_MORE,
        placeholder=plain(texts("more.placeholder"), BUTTON_TEXT_MAX),
        options=[
            Option(
                value=ids.encode_more(option, dossier.number),
                text=plain(_menu_text(option, dossier, viewer, texts), OPTION_TEXT_MAX),
            )
            for option in options[:MORE_OPTIONS_MAX]
        ],
    )


def _buttons(
    dossier: Dossier, *, viewer: Viewer, texts: Texts, ds_web_base: str, ephemeral: bool
) -> list[ButtonElement | StaticSelectElement]:
    value = ids.encode_ref(dossier.number)
    buttons: list[ButtonElement] = []
    if viewer.can_act:
        buttons += [
            action_button(action, action_id=action_id, value=value)
            for action_id, action in _actions(dossier, texts)
        ]
    buttons.append(
        open_button(
            action_id=ids.ACTION_VOIR_DANS_DS,
            label=texts(f"item.button.open.{BackendName.DS.value}"),
            url=dossier_url(ds_web_base, dossier.demarche.number, dossier.number),
            value=value,
        )
    )
    # Sharing shows the dossier to a whole channel: an act of its groupe's instructeurs.
    if ephemeral and viewer.can_act:
        buttons.append(share_button(action_id=ids.ACTION_PARTAGER, value=value, texts=texts))
    options = list(menu_options(dossier, viewer))
    if len(buttons) > MAX_BUTTONS:
        # Only Partager can be the sixth (three decisions, Répondre, Voir dans DS before it).
        moved = [b for b in buttons if b.action_id == ids.ACTION_PARTAGER]
        buttons = [b for b in buttons if b.action_id != ids.ACTION_PARTAGER]
        options += [ids.MORE_PARTAGER for _ in moved]
    elements: list[ButtonElement | StaticSelectElement] = list(buttons)
    if options:
        elements.append(_menu(options, dossier, viewer, texts))
    return elements
