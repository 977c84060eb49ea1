"""Corpus format, validator (``screener corpus check``) and loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screener.cli import main
from screener.corpus import (CLAUSES, DEFAULT_CORPUS, LoadReport, adjudicate, check_files,
                             expand_paths, load_examples)

ROOT = Path(__file__).resolve().parents[1]
NO_SHARED = not CLAUSES.is_file()

GOOD = {"id": "t-1", "text": "Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu bổ sung tài liệu.",
        "article_title": "Hồ sơ", "doc_type": "Nghị định", "flag": 1,
        "categories": ["unbounded_discretion"], "severity": 2,
        "triggers": ["Trong trường hợp cần thiết"], "note": "open power", "source": "synthetic"}


def _write(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
            fh.write("\n")
    return path


def _lines(result) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for p in result.problems:
        out.setdefault(p.line, []).append(p.message)
    return out


def test_good_text_file_passes(tmp_path):
    f = _write(tmp_path / "ok.jsonl", [GOOD, {**GOOD, "id": "t-2", "flag": 0, "categories": [],
                                               "severity": None, "triggers": []}])
    r = check_files([f])
    assert r.ok, r.problems
    assert r.rows == 2


def test_bad_text_file_reports_each_problem_with_its_line(tmp_path):
    rows = [
        GOOD,                                                          # 1 fine
        "{not json",                                                   # 2 bad JSON
        {k: v for k, v in GOOD.items() if k != "note"} | {"id": "t-3"},  # 3 missing field
        {**GOOD, "id": "t-4", "categories": ["no_such_category"]},     # 4 unknown id
        {**GOOD, "id": "t-5", "flag": 0},                              # 5 flag 0 with categories
        {**GOOD, "id": "t-6", "severity": None},                       # 6 flagged, no severity
        {**GOOD, "id": "t-7", "triggers": ["không có trong văn bản"]},  # 7 trigger not a substring
        {**GOOD, "id": "t-1"},                                         # 8 duplicate id
        {**GOOD, "id": "t-9", "triggers": []},                         # 9 flagged, no trigger
        "",                                                            # 10 blank: ignored
        {**GOOD, "id": "t-11", "flag": 1, "categories": [], "severity": None, "triggers": []},  # 11
    ]
    f = _write(tmp_path / "bad.jsonl", rows)
    r = check_files([f])
    assert not r.ok
    by = _lines(r)
    assert 1 not in by and 10 not in by
    assert any("bad JSON" in m for m in by[2])
    assert any("missing field" in m and "note" in m for m in by[3])
    assert any("unknown category" in m for m in by[4])
    assert any("flag is 0 but categories" in m for m in by[5])
    assert any("severity" in m for m in by[6])
    assert any("not a substring" in m for m in by[7])
    assert any("duplicate id" in m and ":1" in m for m in by[8])
    assert any("no trigger" in m for m in by[9])
    assert any("categories is empty" in m for m in by[11])
    assert all(str(p).startswith(f"{f}:{p.line}: ") for p in r.problems)


def test_reference_rows_resolved_against_a_clauses_file(tmp_path):
    import gzip

    clauses = tmp_path / "clauses.jsonl.gz"
    with gzip.open(clauses, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "c1", "doc_ref": "1/2020/NĐ-CP", "doc_type": "Nghị định", "title": "T",
                             "text": "Bộ trưởng quy định điều kiện kinh doanh."}, ensure_ascii=False) + "\n")
    ok = {"ref": "c1", "flag": 1, "categories": ["self_delegation"], "severity": 2,
          "triggers": [[0, 18]], "note": "", "annotator": "A"}
    rows = [ok,
            {**ok, "annotator": "B"},                          # 2 same ref, other annotator: fine
            {**ok, "triggers": [[5, 500]], "annotator": "C"},  # 3 out of range
            {**ok, "ref": "nope", "annotator": "A"},          # 4 unknown ref
            {**ok},                                          # 5 duplicate (ref, annotator)
            {**ok, "triggers": ["Bộ trưởng"], "annotator": "D"}]  # 6 strings where offsets belong
    f = _write(tmp_path / "real.jsonl", rows)
    r = check_files([f], clauses_path=clauses)
    by = _lines(r)
    assert 1 not in by and 2 not in by
    assert any("out of range" in m for m in by[3])
    assert any("not in" in m for m in by[4])
    assert any("duplicate ref" in m for m in by[5])
    assert any("[start, end]" in m for m in by[6])
    # absent clauses file: shape checks only, and it says so
    r2 = check_files([f], clauses_path=tmp_path / "absent.jsonl.gz")
    assert any("not resolved" in n for n in r2.notes)
    assert not any("out of range" in p.message for p in r2.problems)
    # loader resolves the text and the trigger strings
    ex = load_examples([f], clauses_path=clauses)
    assert len(ex) == 1 and ex[0].text.startswith("Bộ trưởng") and ex[0].triggers == ["Bộ trưởng quy định"]
    assert ex[0].group == "doc:1/2020/NĐ-CP"
    rep = LoadReport()
    assert load_examples([f], clauses_path=tmp_path / "absent.jsonl.gz", report=rep) == []
    assert not rep.refs_resolved and "absent" in rep.messages[0]


def test_adjudication_policy():
    a = {"ref": "x", "flag": 0, "categories": [], "severity": None, "triggers": [], "annotator": "A"}
    b = {"ref": "x", "flag": 1, "categories": ["vague_criteria"], "severity": 2, "triggers": [[0, 3]],
         "annotator": "B", "note": ""}
    out = adjudicate([b, a])
    assert out["flag"] == 1 and out["severity"] == 1 and out["categories"] == ["vague_criteria"]
    a2 = {**b, "annotator": "A", "categories": ["licensing_barrier"]}
    assert adjudicate([b, a2])["categories"] == ["licensing_barrier"]  # agreement: A's label
    r = {**a, "annotator": "R", "flag": 1, "categories": ["self_delegation"], "severity": 1,
         "triggers": [[0, 2]]}
    assert adjudicate([a, r, b])["categories"] == ["self_delegation"]  # the second pass decides
    assert adjudicate([a, {**a, "annotator": "R"}])["flag"] == 0


def test_cli_corpus_check_exit_status(tmp_path, capsys):
    good = _write(tmp_path / "good.jsonl", [GOOD])
    assert main(["corpus", "check", str(good)]) == 0
    bad = _write(tmp_path / "bad.jsonl", [GOOD, {**GOOD, "id": "t-2", "categories": ["x"]}])
    assert main(["corpus", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2: unknown category" in out


@pytest.mark.skipif(NO_SHARED, reason="../shared/data/clauses.jsonl.gz is absent (shared/ not beside the repo)")
def test_project_corpus_is_valid():
    r = check_files(expand_paths(list(DEFAULT_CORPUS), ROOT))
    assert r.files >= 10
    assert r.ok, "\n".join(map(str, r.problems[:20]))


def test_synthetic_corpus_is_valid_without_shared():
    r = check_files(expand_paths(["corpus/synthetic/*.jsonl"], ROOT))
    assert r.rows >= 9 * 160
    assert r.ok, "\n".join(map(str, r.problems[:20]))


def test_train_without_shared_says_so_and_fails_when_nothing_is_left(tmp_path, monkeypatch, capsys):
    import screener.corpus as corpus

    monkeypatch.setattr(corpus, "CLAUSES", tmp_path / "absent" / "clauses.jsonl.gz")
    ref = _write(tmp_path / "real.jsonl", [{"ref": "c1", "flag": 0, "categories": [], "severity": None,
                                            "triggers": [], "note": "", "annotator": "A"}])
    assert main(["train", "--corpus", str(ref), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "is absent" in err and "nothing to train on" in err
    assert not (tmp_path / "m").exists()


_DRAFT = """DỰ THẢO
NGHỊ ĐỊNH
Quy định về cấp phép thử nghiệm

Điều 1. Phạm vi điều chỉnh
Nghị định này quy định việc cấp phép thử nghiệm.

Điều 2. Cấp phép
1. Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu bổ sung hồ sơ.
2. Cơ quan cấp phép trả lời bằng văn bản trong thời hạn 10 ngày làm việc.
"""


def _draft_row(tmp_path, **over):
    """A reference to khoản 1 Điều 2 of a draft written to tmp_path/drafts/mini.md."""
    from screener import parse_file
    from screener.corpus import draft_ref, text_sha1

    d = tmp_path / "drafts"
    d.mkdir(exist_ok=True)
    (d / "mini.md").write_text(_DRAFT, encoding="utf-8")
    parsed = parse_file(d / "mini.md")
    unit = next(u for u in parsed.units if "Trong trường hợp" in parsed.text[u.start:u.end])
    text = parsed.text[unit.start:unit.end]
    s = text.index("Trong trường hợp cần thiết")
    row = {"ref": draft_ref("mini", unit.label), "flag": 1, "categories": ["unbounded_discretion"],
           "severity": 2, "triggers": [[s, s + len("Trong trường hợp cần thiết")]], "note": "open power",
           "annotator": "A", "text_sha1": text_sha1(text)}
    return d, {**row, **over}, unit.label


def test_draft_references_resolve_by_parsing_the_draft(tmp_path):
    d, row, label = _draft_row(tmp_path)
    assert label == "khoản 1 Điều 2"
    f = _write(tmp_path / "drafts.jsonl", [row])
    r = check_files([f], drafts_dir=d)
    assert r.ok, "\n".join(map(str, r.problems))
    [ex] = load_examples([f], drafts_dir=d)
    assert ex.id == "draft:mini#khoản 1 Điều 2" and ex.triggers == ["Trong trường hợp cần thiết"]
    assert ex.article_title == "Cấp phép" and ex.doc_type == "Nghị định (dự thảo)"
    assert ex.group == "doc:draft:nghi dinh quy dinh ve cap phep thu nghiem"


def test_two_versions_of_a_draft_share_a_cross_validation_group():
    from screener.corpus import draft_group

    a = draft_group("Luật", "Thuế giá trị gia tăng", "gtgt_21feb2024")
    assert a == draft_group("Luật", "Thue gia tri gia tăng (sửa đổi)", "gtgt_4jan2024")
    assert a != draft_group("Nghị định", "Thuế giá trị gia tăng", "nd")
    assert a != draft_group("Luật", "Thuế thu nhập doanh nghiệp", "tndn")
    assert draft_group("Luật", None, "stem") == "stem"


def test_draft_reference_problems_are_named(tmp_path):
    d, good, _ = _draft_row(tmp_path)
    f = _write(tmp_path / "bad.jsonl", [
        {**good, "text_sha1": "000000000000"},          # the text changed since labelling
        {**good, "ref": "draft:mini#khoản 9 Điều 2"},   # no such provision
        {k: v for k, v in good.items() if k != "text_sha1"} | {"ref": "draft:mini#khoản 2 Điều 2",
                                                                "flag": 0, "categories": [],
                                                                "severity": None, "triggers": []},
    ])
    lines = _lines(check_files([f], drafts_dir=d))
    assert "text has changed" in lines[1][0]
    assert "is not in its draft" in lines[2][0]
    assert lines[3] == ["ref 'draft:mini#khoản 2 Điều 2': a draft reference needs text_sha1"]
    report = LoadReport()
    assert [e.id for e in load_examples([f], drafts_dir=d, report=report)] == ["draft:mini#khoản 2 Điều 2"]
    assert report.skipped["unresolved ref"] == 2


def test_draft_references_without_the_drafts_say_so(tmp_path):
    _, row, _ = _draft_row(tmp_path)
    f = _write(tmp_path / "drafts.jsonl", [row])
    r = check_files([f], drafts_dir=tmp_path / "absent")
    assert r.ok and not r.refs_resolved and "absent" in r.notes[0]
    report = LoadReport()
    assert load_examples([f], drafts_dir=tmp_path / "absent", report=report) == []
    assert "is absent" in report.messages[0] and not report.refs_resolved


def test_import_labels_turns_trigger_strings_into_offsets(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "training"))
    from import_labels import to_reference

    from screener.corpus import text_sha1

    text = "1. Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu bổ sung hồ sơ."
    label = {"id": "mini#khoản 1 Điều 2", "flag": 1, "categories": ["unbounded_discretion"], "severity": 1,
             "triggers": ["Trong trường hợp cần thiết"], "note": "open power"}
    ref = to_reference(label, text, "A")
    assert ref["ref"] == "mini#khoản 1 Điều 2" and ref["triggers"] == [[3, 29]] and "text_sha1" not in ref
    draft = to_reference(label, text, "A", draft=True)
    assert draft["ref"] == "draft:mini#khoản 1 Điều 2" and draft["text_sha1"] == text_sha1(text)
    with pytest.raises(ValueError, match="not in the text"):
        to_reference({**label, "triggers": ["xem xét, quyết định"]}, text, "A")


def test_dev_provisions_of_a_draft_are_grouped_like_its_corpus_provisions(tmp_path):
    from screener.corpus import dev_group

    d, row, _ = _draft_row(tmp_path)
    [ex] = load_examples([_write(tmp_path / "drafts.jsonl", [row])], drafts_dir=d)
    assert ex.group == f"doc:{dev_group('mini', drafts_dir=d)}"
    assert dev_group("101/2015/QH13", drafts_dir=d) == "101/2015/QH13"
