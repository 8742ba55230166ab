"""The modal seal: bound to its person, and an older seal told apart from a forged one."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from dsbot.slack.interaction.seal import Seal, SealExpired, SealForged, SealNotYours

SECRET = "xoxb-test-token"
TEXT = '{"number":1234,"action_id":"accepter","key":"k"}'


def test_a_seal_opens_for_its_person_only() -> None:
    seal = Seal.from_secret(SECRET)
    sealed = seal.close(TEXT, "T1", "UALICE")
    assert seal.open(sealed, "T1", "UALICE") == TEXT
    with pytest.raises(SealNotYours):
        seal.open(sealed, "T1", "UBRUNO")
    with pytest.raises(SealNotYours):
        seal.open(sealed, "T2", "UALICE")


def test_a_seal_naming_another_person_is_forged_not_theirs() -> None:
    """Rewriting the person in the clear breaks the MAC: Bruno cannot make Alice's his."""
    seal = Seal.from_secret(SECRET)
    sealed = seal.close(TEXT, "T1", "UALICE")
    with pytest.raises(SealForged):
        seal.open(sealed.replace(".UALICE.", ".UBRUNO."), "T1", "UBRUNO")


def test_a_v1_seal_is_expired_and_a_made_up_one_forged() -> None:
    seal = Seal.from_secret(SECRET)
    key = hmac.new(SECRET.encode(), b"dsbot private_metadata v1", "sha256").digest()
    v1 = f"{TEXT}~{hmac.new(key, TEXT.encode(), hashlib.sha256).hexdigest()[:32]}"
    with pytest.raises(SealExpired):
        seal.open(v1, "T1", "UALICE")
    for forged in (TEXT, f"{TEXT}~{'0' * 32}", f"{TEXT}~2.T1.UALICE.{'0' * 32}", None, 3):
        with pytest.raises(SealForged):
            seal.open(forged, "T1", "UALICE")


def test_another_token_opens_nothing() -> None:
    sealed = Seal.from_secret(SECRET).close(TEXT, "T1", "UALICE")
    with pytest.raises(SealForged):
        Seal.from_secret("xoxb-rotated").open(sealed, "T1", "UALICE")


def test_ids_that_could_shift_the_fields_are_refused() -> None:
    with pytest.raises(SealForged):
        Seal.from_secret(SECRET).close(TEXT, "T1", "U.ALICE")


def test_sealed_metadata_stays_within_slacks_limit_for_ds_and_dynacase() -> None:
    """A huge response_url is dropped before the seal would push the text past 3000 chars."""
    from dsbot.backends.port import BackendName, ItemAction
    from dsbot.slack import ids
    from dsbot.slack.interaction.item_refs import ItemOrigin
    from dsbot.slack.presentation.blocks.modals import ModalOrigin

    seal = Seal.from_secret(SECRET)
    url = "https://hooks.slack.com/actions/" + "x" * 2900
    for size in range(2880, 2990, 7):
        origins = (
            ModalOrigin(1234, ids.ACTION_ACCEPTER, "k" * 32, "C0", "1.2", url[:size]),
            ItemOrigin(
                BackendName.DYNACASE, "42", ItemAction("t", "T"), "k" * 32, "C0", None, url[:size]
            ),
        )
        for origin in origins:
            sealed = seal.close(origin.encode(), "T0123456789AB", "U0123456789AB")
            assert len(sealed) <= 3000
