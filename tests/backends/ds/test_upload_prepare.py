"""Checksums and size checks of `upload.prepare`, for every kind of source."""

from __future__ import annotations

import base64
import hashlib
import io
import os

import pytest

from dsbot.backends.ds.errors import DSFileTooLarge
from dsbot.backends.ds.upload import CHUNK_SIZE, MAX_FILE_SIZE, checksum_of, prepare

DATA = os.urandom(3 * CHUNK_SIZE + 17)
EXPECTED = base64.b64encode(hashlib.md5(DATA).digest()).decode()


class OneShotStream(io.RawIOBase):
    """A pipe-like stream: readable once, not seekable."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_checksum_is_base64_of_the_binary_md5_not_hex():
    assert checksum_of(b"hello") == "XUFAKrxLKna5cZ2REBfFkg=="
    # Both sides text: a str compared with bytes is never equal, and would prove nothing.
    hex_based = base64.b64encode(hashlib.md5(b"hello").hexdigest().encode()).decode()
    assert checksum_of(b"hello") != hex_based


@pytest.mark.parametrize("kind", ["bytes", "path", "seekable", "one-shot"])
def test_every_source_gives_the_same_size_checksum_and_bytes(tmp_path, kind):
    path = tmp_path / "f.bin"
    path.write_bytes(DATA)
    source = {
        "bytes": lambda: DATA,
        "path": lambda: path,
        "seekable": lambda: io.BytesIO(DATA),
        "one-shot": lambda: io.BufferedReader(OneShotStream(DATA)),
    }[kind]()
    prepared = prepare(source)
    assert prepared.byte_size == len(DATA)
    assert prepared.checksum == EXPECTED
    # Read twice: a retried PUT must send the same bytes again.
    assert b"".join(prepared.chunks()) == DATA
    assert b"".join(prepared.chunks()) == DATA


def test_a_stream_is_read_from_its_current_position():
    stream = io.BytesIO(b"HEADER" + DATA)
    stream.seek(6)
    prepared = prepare(stream)
    assert prepared.byte_size == len(DATA)
    assert prepared.checksum == EXPECTED
    assert b"".join(prepared.chunks()) == DATA


def test_limit_is_20_mebibytes():
    assert MAX_FILE_SIZE == 20 * 1024 * 1024
    assert prepare(b"x" * 10, max_size=10).byte_size == 10


def test_too_large_path_is_refused_from_its_size(tmp_path):
    path = tmp_path / "big.bin"
    with path.open("wb") as handle:  # sparse: no 20 MB actually written
        handle.truncate(MAX_FILE_SIZE + 1)
    with pytest.raises(DSFileTooLarge) as info:
        prepare(path)
    assert info.value.byte_size == MAX_FILE_SIZE + 1
    assert info.value.limit == MAX_FILE_SIZE


def test_too_large_seekable_stream_is_refused_and_left_in_place():
    stream = io.BytesIO(b"x" * 101)
    stream.seek(1)
    with pytest.raises(DSFileTooLarge):
        prepare(stream, max_size=99)
    assert stream.tell() == 1


def test_too_large_one_shot_stream_is_refused():
    with pytest.raises(DSFileTooLarge):
        prepare(io.BufferedReader(OneShotStream(b"y" * 50)), max_size=49)
    with pytest.raises(DSFileTooLarge):
        prepare(b"z" * 50, max_size=49)
