"""PreparedPDFs, the renderer's store of documents laid out ahead: the last two preparations, nothing else."""

from __future__ import annotations

from intake.documents.prepared import KEPT, PreparedPDFs


def test_the_last_two_preparations_are_held_and_a_document_held_is_not_asked_for_again():
    store = PreparedPDFs()
    assert KEPT == 2
    assert store.keep(store.begin(), ["a", "b"], {"a": b"A", "b": b"B"})
    assert store.missing(["a", "c"]) == ["c"]
    assert store.keep(store.begin(), ["a", "c"], {"c": b"C"}), "a held document needs not be written again"
    assert store.keep(store.begin(), ["d"], {"d": b"D"})
    assert store.missing(["a", "b", "c", "d"]) == ["b"], "the oldest preparation goes first"
    assert store.take() == {"a": b"A", "c": b"C", "d": b"D"}
    assert len(store) == 0 and store.missing(["a"]) == ["a"]


def test_a_preparation_naming_a_document_neither_written_nor_held_is_refused():
    store = PreparedPDFs()
    assert not store.keep(store.begin(), ["a", "b"], {"a": b"A"})
    assert len(store) == 0


def test_forget_drops_everything_and_refuses_a_preparation_under_way():
    store = PreparedPDFs()
    store.keep(store.begin(), ["a"], {"a": b"A"})
    generation = store.begin()
    store.forget()
    assert len(store) == 0
    assert not store.keep(generation, ["b"], {"b": b"B"})
    assert store.keep(store.begin(), ["b"], {"b": b"B"})
