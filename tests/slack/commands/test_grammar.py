"""The /ds grammar: French first, English aliases, help as the fallback, clear errors."""

from datetime import date

import pytest

from dsbot.backends.ds.models import DossierState
from dsbot.notifications.model import Mode, Topic
from dsbot.slack.commands import grammar as g
from dsbot.slack.commands.subcommands import default_table, parse

ADMIN_COMMANDS = default_table().admin_requests


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dossier 1234", g.ShowDossier(1234)),
        ("1234", g.ShowDossier(1234)),
        ("  dossier   42  ", g.ShowDossier(42)),
        ("dossier n°77", g.ShowDossier(77)),
        ("dossier #77", g.ShowDossier(77)),
        ("moi", g.WhoAmI()),
        ("whoami", g.WhoAmI()),
        ("abonnements", g.ListSubscriptions()),
        ("list", g.ListSubscriptions()),
        ("aide", g.Help()),
        ("help", g.Help()),
        ("", g.Help()),
        ("desabonner 12", g.Unsubscribe(12)),
        ("unsubscribe 12", g.Unsubscribe(12)),
        ("2147483647", g.ShowDossier(2147483647)),
        ("dossier 2147483647", g.ShowDossier(2147483647)),
    ],
)
def test_simple_commands(text, expected):
    assert parse(text) == expected


def test_unknown_subcommand_is_help_naming_it():
    assert parse("bonjour tout le monde") == g.Help(unknown="bonjour")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("dossier abc", "error.dossier_number"),
        ("dossier 0", "error.dossier_number"),
        ("dossier", "error.dossier_usage"),
        ("dossier 1 2", "error.dossier_usage"),
        ("dossier -5", "error.dossier_number"),
        ("dossier 99999999999", "error.dossier_number"),
        # A dossier number is a GraphQL Int (1 to 2**31 - 1): never sent to DS otherwise.
        ("dossier 2147483648", "error.dossier_number"),
        ("dossier 9999999999", "error.dossier_number"),
        # A bare number is `dossier <number>`, with the same checks.
        ("0", "error.dossier_number"),
        ("2147483648", "error.dossier_number"),
        ("9999999999", "error.dossier_number"),
        ("99999999999", "error.dossier_number"),
        ("1234 5678", "error.dossier_usage"),
        ("abonner 2147483648", "error.subscribe_usage"),
        ("abonner 12 groupe 2147483648", "error.subscribe_groupe"),
        ("desabonner 0", "error.unsubscribe_usage"),
        ("desabonner", "error.unsubscribe_usage"),
        ("lier", "error.link_usage"),
        ("lier jean a@b.fr", "error.link_user"),
        ("lier <@U123ABC|jean> pas-un-email", "error.link_email"),
        ("delier", "error.unlink_usage"),
        ("abonner", "error.subscribe_usage"),
        ("abonner abc", "error.subscribe_usage"),
        ("abonner 12 groupe", "error.subscribe_usage"),
        ("abonner 12 groupe x", "error.subscribe_groupe"),
        ("abonner 12 etat brouillon", "error.subscribe_state"),
        ("abonner 12 depuis hier", "error.subscribe_since"),
        ("abonner 12 n'importe", "error.subscribe_usage"),
    ],
)
def test_bad_arguments_name_the_problem(text, key):
    result = parse(text)
    assert isinstance(result, g.Invalid)
    assert result.error_key == key


def test_link_accepts_escaped_mention_and_mailto():
    cmd = parse(
        "lier <@U024BE7LH|marie> <mailto:Marie.Curie@Culture.gouv.fr|Marie.Curie@Culture.gouv.fr>"
    )
    assert cmd == g.Link("U024BE7LH", "marie.curie@culture.gouv.fr")
    assert parse("link U024BE7LH x@y.fr") == g.Link("U024BE7LH", "x@y.fr")


def test_unlink_accepts_escaped_mention():
    assert parse("delier <@U024BE7LH|marie>") == g.Unlink("U024BE7LH")
    assert parse("unlink <@W0ABCDEF12>") == g.Unlink("W0ABCDEF12")


def test_subscribe_with_groupe_states_and_since():
    cmd = parse("abonner 12 groupe 3 etat en_construction en_instruction depuis 2026-11-01")
    assert cmd == g.Subscribe(
        12,
        groupe=3,
        states=(DossierState.EN_CONSTRUCTION, DossierState.EN_INSTRUCTION),
        since=date(2026, 11, 1),
    )


def test_subscribe_confirmer_anywhere_after_the_demarche():
    """`confirmer` subscribes a channel with guests or shared outside (never a démarche)."""
    cmd = parse("abonner 12 etat accepte Confirmer refuse")
    assert cmd == g.Subscribe(
        12, states=(DossierState.ACCEPTE, DossierState.REFUSE), confirmed=True
    )
    assert parse("subscribe 12 groupe 3 confirm") == g.Subscribe(12, groupe=3, confirmed=True)
    assert parse("abonner 12") == g.Subscribe(12, confirmed=False)
    assert isinstance(parse("abonner confirmer"), g.Invalid)


def test_subscribe_compact_forms_and_aliases():
    cmd = parse("subscribe 12 group:4 state:accepte etat:refuse etat:accepte")
    assert cmd == g.Subscribe(12, groupe=4, states=(DossierState.ACCEPTE, DossierState.REFUSE))
    assert parse("abonner 7") == g.Subscribe(7)


def test_admin_commands_are_marked():
    assert isinstance(parse("lier <@U1ABCDEFG> a@b.fr"), ADMIN_COMMANDS)
    assert isinstance(parse("abonner 1"), ADMIN_COMMANDS)
    assert isinstance(parse("abonner dynacase FAM"), ADMIN_COMMANDS)
    assert isinstance(parse("desabonner dynacase FAM"), ADMIN_COMMANDS)
    assert not isinstance(parse("moi"), ADMIN_COMMANDS)
    assert not isinstance(parse("abonnements"), ADMIN_COMMANDS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("document 2001", g.ShowItem("dynacase", "2001")),
        ("doc SUBV_0001", g.ShowItem("dynacase", "SUBV_0001")),
        ("connecter dynacase", g.Connect("dynacase")),
        ("connect Dynacase", g.Connect("dynacase")),
        ("deconnecter dynacase", g.Disconnect("dynacase")),
        ("déconnecter dynacase", g.Disconnect("dynacase")),
        ("disconnect dynacase", g.Disconnect("dynacase")),
        (
            "abonner dynacase DEMANDE_SUBVENTION",
            g.SubscribeFamily("dynacase", "DEMANDE_SUBVENTION"),
        ),
        (
            "subscribe Dynacase DEMANDE_SUBVENTION etat e_sub_instruit, e_sub_accorde"
            " e_sub_instruit",
            g.SubscribeFamily(
                "dynacase", "DEMANDE_SUBVENTION", ("e_sub_instruit", "e_sub_accorde")
            ),
        ),
        ("desabonner dynacase CONGE", g.UnsubscribeFamily("dynacase", "CONGE")),
        (
            "abonner dynacase CONGE etat e_ok confirmer",
            g.SubscribeFamily("dynacase", "CONGE", ("e_ok",), confirmed=True),
        ),
    ],
)
def test_dynacase_commands(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("doc", "error.document_usage"),
        ("doc 1 2", "error.document_usage"),
        ("doc SUBV.0001", "error.document_ref"),
        ("doc 0", "error.document_ref"),
        ("doc <@U123>", "error.document_ref"),
        ("connecter", "error.connecter_usage"),
        ("connecter ds", "error.connecter_usage"),
        ("deconnecter", "error.deconnecter_usage"),
        ("abonner dynacase", "error.subscribe_dynacase_usage"),
        ("abonner dynacase FAM.ILLE", "error.subscribe_dynacase_usage"),
        ("abonner dynacase FAM etat", "error.subscribe_dynacase_usage"),
        ("abonner dynacase FAM groupe 3", "error.subscribe_dynacase_usage"),
        ("abonner dynacase FAM etat 3x", "error.subscribe_dynacase_state"),
        ("desabonner dynacase", "error.unsubscribe_dynacase_usage"),
        ("desabonner dynacase A B", "error.unsubscribe_dynacase_usage"),
    ],
)
def test_dynacase_commands_with_bad_arguments(text, key):
    parsed = parse(text)
    assert isinstance(parsed, g.Invalid) and parsed.error_key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abonner 12", g.Subscribe(12, None, (), None)),
        ("subscribe 12 group:3", g.Subscribe(12, 3, (), None)),
        ("abonner 12 groupe:3 état:accepté", g.Subscribe(12, 3, ("accepte",), None)),
        (
            "abonner 12 etats construction, instruction",
            g.Subscribe(12, None, ("en_construction", "en_instruction"), None),
        ),
        ("abonner 12 states refuse refuse", g.Subscribe(12, None, ("refuse",), None)),
        ("abonner 12 since 2026-11-01 groupe 4", g.Subscribe(12, 4, (), date(2026, 11, 1))),
    ],
)
def test_subscribe_words_alone_prefixed_and_in_english(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("abonner 12 groupe:", "error.subscribe_groupe"),
        ("abonner 12 groupe 3 4", "error.subscribe_usage"),
        ("abonner 12 depuis", "error.subscribe_usage"),
        ("abonner 12 state:brouillon", "error.subscribe_state"),
    ],
)
def test_subscribe_refusals_name_the_faulty_value(text, key):
    result = parse(text)
    assert isinstance(result, g.Invalid) and result.error_key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notifications", g.Notifications()),
        ("notifs", g.Notifications()),
        ("notifications Instantané", g.Notifications(Mode.INSTANT)),
        ("notifications daily", g.Notifications(Mode.DAILY)),
        ("notifications messages quotidien", g.Notifications(Mode.DAILY, Topic.MESSAGES)),
        ("notifications États aucune", g.Notifications(Mode.NONE, Topic.ETATS)),
        ("notifications new instant", g.Notifications(Mode.INSTANT, Topic.NOUVEAUX)),
        ("notifications reviews none", g.Notifications(Mode.NONE, Topic.AVIS)),
    ],
)
def test_notifications_words_french_and_english(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "notifications souvent",
        "notifications messages",
        "notifications x quotidien",
        "notifications a b c",
    ],
)
def test_notifications_usage(text):
    assert parse(text) == g.Invalid("notifications", "error.notifications_usage")
