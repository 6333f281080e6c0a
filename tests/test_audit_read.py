"""The one JSON Lines reader: line numbers, records, and what is not a record (a cut last line, an edit)."""

from __future__ import annotations

import pytest

from crawler.audit import read


def test_lines_carry_number_bytes_value_and_whether_they_ended(tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"url":"http://a.test/","n":1}\n\n[1, 2]\nnot json\n{"url":"\xc3\xa9"}\n\xff{}\n{"url":"http://a.te')
    got = list(read.lines(path))
    assert [x.number for x in got] == [1, 2, 3, 4, 5, 6, 7]
    assert got[0].record == {"url": "http://a.test/", "n": 1} and got[0].raw == b'{"url":"http://a.test/","n":1}'
    assert got[1].blank and not got[1].is_json and got[1].record is None and got[1].error is None
    assert got[2].is_json and got[2].value == [1, 2] and got[2].record is None  # JSON, but no object
    assert not got[3].is_json and isinstance(got[3].error, ValueError) and got[3].text == "not json"
    assert got[4].record == {"url": "é"}
    assert not got[5].is_json  # not UTF-8: civilcrawl never writes such a line
    assert all(x.ended for x in got[:-1])
    assert not got[-1].ended and got[-1].record is None and got[-1].raw == b'{"url":"http://a.te'  # cut by a kill


def test_records_are_the_objects_only(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text('{"url":"a"}\n3\n{"url":"b"}\n{"url":', "utf-8")
    assert list(read.records(path)) == [{"url": "a"}, {"url": "b"}]


def test_a_missing_file_is_empty_only_when_that_is_asked_for(tmp_path):
    assert list(read.records(tmp_path / "none.jsonl", missing_ok=True)) == []
    assert list(read.records(None, missing_ok=True)) == []
    with pytest.raises(FileNotFoundError):
        list(read.records(tmp_path / "none.jsonl"))
