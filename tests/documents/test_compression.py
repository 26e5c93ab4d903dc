"""The PDF writer compresses at intake's level only while a render writes, and nested or overlapping writes agree."""

from __future__ import annotations

import zlib

import pydyf

from intake.documents.compression import LEVEL, pdf_compression

DATA = b"".join(b"BT /F1 9 Tf %d %d Td (Consent line %d) Tj ET\n" % (n * 7 % 541, n * 13 % 787, n * n % 9973)
                for n in range(3000))


def deflate_as_pydyf() -> bytes:
    compressor = pydyf.zlib.compressobj(level=9)
    return compressor.compress(DATA) + compressor.flush()


def test_streams_use_the_level_only_inside_a_write():
    assert zlib.compress(DATA, 9) != zlib.compress(DATA, LEVEL)  # else this test could not tell them apart
    assert deflate_as_pydyf() == zlib.compress(DATA, 9)
    with pdf_compression():
        assert deflate_as_pydyf() == zlib.compress(DATA, LEVEL)
        with pdf_compression():  # another renderer writing at the same time
            assert deflate_as_pydyf() == zlib.compress(DATA, LEVEL)
        assert deflate_as_pydyf() == zlib.compress(DATA, LEVEL)
        assert zlib.decompress(deflate_as_pydyf()) == DATA
    assert pydyf.zlib is zlib


def test_a_failed_write_restores_pydyf():
    try:
        with pdf_compression():
            raise RuntimeError("layout failed")
    except RuntimeError:
        pass
    assert pydyf.zlib is zlib
