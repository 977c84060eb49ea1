"""The review store (SQLite, migrations, concurrency) and decisions applied to findings."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from screener import parse_file
from screener.findings import rules_scorer, screen
from screener.review import (CONFIRMED, DISMISSED, OPEN, SCHEMA_VERSION, Decision, ReviewStore,
                             apply_decisions, connect, decision_for, document_hash, effective_finding,
                             migrate, missed_risk, schema_version)

SAMPLE = Path(__file__).resolve().parents[1] / "screener" / "samples" / "du_thao_nghi_dinh_mau.txt"


@pytest.fixture(scope="module")
def sample():
    data = SAMPLE.read_bytes()
    parsed = parse_file(data, name=SAMPLE.name)
    return document_hash(data), parsed, screen(parsed, scorer=rules_scorer)


def test_store_creates_schema_in_wal_mode(tmp_path):
    store = ReviewStore(tmp_path / "r.sqlite3")
    assert store.schema_version() == SCHEMA_VERSION
    conn = connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    conn.close()


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_DATA_DIR", str(tmp_path / "d"))
    store = ReviewStore()
    assert store.path == tmp_path / "d" / "reviews.sqlite3"
    assert store.path.exists()


def test_upgrade_from_version_1_keeps_decisions(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = connect(path)
    assert migrate(conn, target=1) == 1
    conn.execute("INSERT INTO decisions (doc_hash, finding_id, action, reviewer, created_at) "
                 "VALUES ('h1', 'f1', 'confirm', 'An', '2026-01-01T00:00:00+00:00')")
    conn.close()
    store = ReviewStore(path)  # applies migration 2
    assert store.schema_version() == SCHEMA_VERSION
    [d] = store.decisions("h1")
    assert (d.finding_id, d.action, d.reviewer) == ("f1", "confirm", "An")
    # the documents table was back-filled from the decisions already there
    assert [doc["doc_hash"] for doc in store.documents()] == ["h1"]
    ReviewStore(path)  # opening again is a no-op
    assert store.schema_version() == SCHEMA_VERSION


def test_decisions_survive_reopen_and_keep_who_and_when(tmp_path, sample):
    h, parsed, findings = sample
    store = ReviewStore(tmp_path / "r.sqlite3")
    store.remember_document(h, "mau.txt", title=parsed.document.metadata.title)
    f = findings[0]
    store.add(decision_for(f, "confirm", reviewer=" Lan ", doc_hash=h, model_version="rules-1", parsed=parsed))
    again = ReviewStore(tmp_path / "r.sqlite3")
    [d] = again.decisions(h)
    assert d.reviewer == "Lan" and d.model_version == "rules-1" and d.created_at
    assert d.label == f.label and d.text == f.text and d.original_category == f.category
    assert d.triggers and d.triggers[0]["text"] == f.triggers[0].text
    assert again.documents()[0]["n_decisions"] == 1


def test_decision_needs_reviewer_and_known_action(tmp_path):
    store = ReviewStore(tmp_path / "r.sqlite3")
    with pytest.raises(ValueError):
        store.add(Decision("h", "f", "confirm", reviewer="  "))
    with pytest.raises(ValueError):
        store.add(Decision("h", "f", "approve", reviewer="An"))
    assert store.count() == 0


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "r.sqlite3"
    ReviewStore(path)

    def write(n):
        store = ReviewStore(path)
        for i in range(25):
            store.add(Decision("h", f"f{n}-{i}", "confirm", reviewer=f"r{n}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ReviewStore(path).count() == 150


def test_failed_write_rolls_back(tmp_path, monkeypatch):
    store = ReviewStore(tmp_path / "r.sqlite3")
    bad = Decision("h", "f", "confirm", reviewer="An")
    bad.triggers = [object()]  # not JSON: fails before the insert
    with pytest.raises(TypeError):
        store.add(bad)
    assert store.count() == 0


def test_apply_decisions_folds_the_log(sample):
    h, parsed, findings = sample
    a, b = findings[0], findings[1]
    other = next(c for c in ("weak_accountability", "vague_criteria") if c != b.category)
    log = [
        decision_for(a, "confirm", reviewer="An", doc_hash=h, parsed=parsed),
        decision_for(b, "dismiss", reviewer="An", doc_hash=h, parsed=parsed, note="Đã có tiêu chí ở khoản 3"),
        decision_for(b, "confirm", reviewer="Bình", doc_hash=h, parsed=parsed, category=other, severity=3),
        Decision(h, "not-a-finding", "confirm", reviewer="An"),  # from another model: ignored
    ]
    for i, d in enumerate(log):
        d.id, d.created_at = i + 1, f"2026-01-01T00:00:0{i}+00:00"
    items = apply_decisions(findings, log, parsed)
    assert len(items) == len(findings)
    by_id = {it.id: it for it in items}
    assert by_id[a.id].status == CONFIRMED
    rb = by_id[b.id]
    assert rb.status == CONFIRMED and rb.category == other and rb.severity == 3 and rb.changed
    assert [n.text for n in rb.notes] == ["Đã có tiêu chí ở khoản 3"] and rb.notes[0].reviewer == "An"
    assert all(it.status == OPEN for it in items if it.id not in (a.id, b.id))
    eff = effective_finding(rb)
    assert eff.category == other and eff.severity == 3 and all(t.category == other for t in eff.triggers)
    assert b.category != other  # the screener's finding is untouched


def test_missed_risk_is_added_as_a_confirmed_finding(sample):
    h, parsed, findings = sample
    i = next(k for k, u in enumerate(parsed.units) if "hiệu lực thi hành" in parsed.text[u.start:u.end])
    d = missed_risk(parsed, i, "weak_accountability", "có hiệu lực\n  THI HÀNH ", reviewer="An", doc_hash=h,
                    note="Không rõ ngày")
    assert d.action == "add" and d.category == "weak_accountability" and len(d.triggers) == 2
    unit = parsed.units[i]
    for t in d.triggers:
        assert parsed.text[t["start"]:t["end"]] == t["text"] and unit.start <= t["start"] < unit.end
    d.id, d.created_at = 1, "2026-01-01T00:00:00+00:00"
    items = apply_decisions(findings, [d], parsed)
    added = items[-1]
    assert added.manual and added.status == CONFIRMED and added.finding.label == unit.label
    assert added.finding.chapter == unit.chapter and added.finding.page_start == 1
    dismiss = Decision(h, d.finding_id, "dismiss", reviewer="Bình", created_at="2026-01-02T00:00:00+00:00", id=2)
    assert apply_decisions(findings, [d, dismiss], parsed)[-1].status == DISMISSED


@pytest.mark.parametrize("kwargs, message", [
    (dict(unit_index=999, category="vague_criteria", trigger_text="x"), "Chưa chọn"),
    (dict(unit_index=0, category="nope", trigger_text="x"), "Nhóm rủi ro"),
    (dict(unit_index=0, category="vague_criteria", trigger_text="  "), "chép nguyên văn"),
    (dict(unit_index=0, category="vague_criteria", trigger_text="không có trong văn bản"), "Không tìm thấy"),
])
def test_missed_risk_rejects_bad_input_in_vietnamese(sample, kwargs, message):
    h, parsed, _ = sample
    with pytest.raises(ValueError, match=message):
        missed_risk(parsed, reviewer="An", doc_hash=h, **kwargs)


def test_document_hash_is_sha256():
    assert document_hash(b"abc").startswith("ba7816bf")
    assert len(document_hash(b"")) == 64


def test_schema_version_on_empty_db(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db")
    assert schema_version(conn) == 0


def test_corpus_decisions_give_the_reviewers_final_word(sample):
    from screener.review import corpus_decisions

    h, parsed, findings = sample
    a, b, c, e = findings[0], findings[1], findings[2], findings[3]
    other = next(x for x in ("weak_accountability", "vague_criteria") if x != b.category)
    i = next(k for k, u in enumerate(parsed.units) if "hiệu lực thi hành" in parsed.text[u.start:u.end])
    add = missed_risk(parsed, i, "weak_accountability", "có hiệu lực thi hành", reviewer="An", doc_hash=h)
    add2 = missed_risk(parsed, 0, "vague_criteria", parsed.text[parsed.units[0].start:parsed.units[0].start + 10],
                       reviewer="An", doc_hash=h)
    log = [decision_for(a, "confirm", reviewer="An", doc_hash=h, parsed=parsed, note="rõ"),
           decision_for(b, "confirm", reviewer="Bình", doc_hash=h, parsed=parsed, category=other, severity=3),
           decision_for(c, "dismiss", reviewer="An", doc_hash=h, parsed=parsed),
           decision_for(e, "confirm", reviewer="An", doc_hash=h, parsed=parsed),
           decision_for(e, "reopen", reviewer="Bình", doc_hash=h, parsed=parsed),
           add, add2, Decision(h, add2.finding_id, "dismiss", reviewer="Bình")]
    for n, d in enumerate(log, 1):
        d.id, d.created_at = n, f"2026-01-01T00:00:{n:02d}+00:00"
    rows = {r["label"] + "|" + r["decision"]: r for r in corpus_decisions(log)}
    assert set(rows) == {f"{a.label}|confirm", f"{b.label}|change", f"{c.label}|dismiss",
                         f"{parsed.units[i].label}|add"}
    ra = rows[f"{a.label}|confirm"]
    assert ra["category"] == a.category and ra["text"] == a.text and ra["note"] == "rõ"
    assert ra["document_sha256"] == h and ra["reviewer"] == "An" and ra["triggers"] == [t.text for t in a.triggers]
    rb = rows[f"{b.label}|change"]
    assert rb["category"] == b.category and rb["new_category"] == other and rb["severity"] == 3
    assert rows[f"{parsed.units[i].label}|add"]["category"] == "weak_accountability"
    try:
        from screener.review_export import decisions_to_corpus
    except ImportError:
        pytest.skip("screener.review_export is not there yet")
    corpus = decisions_to_corpus(corpus_decisions(log))
    by_text = {r["text"]: r for r in corpus}
    assert by_text[a.text]["flag"] == 1 and a.category in by_text[a.text]["categories"]
    assert other in by_text[b.text]["categories"] and b.category not in by_text[b.text]["categories"]


def test_maintainer_export_writes_corpus_rows(tmp_path, sample):
    pytest.importorskip("screener.review_export")
    from screener.review import maintainer

    h, parsed, findings = sample
    store = ReviewStore(tmp_path / "r.sqlite3")
    store.add(decision_for(findings[0], "confirm", reviewer="An", doc_hash=h, parsed=parsed))
    store.add(decision_for(findings[1], "dismiss", reviewer="An", doc_hash=h, parsed=parsed))
    path, n = maintainer.export_decisions(store, out_dir=tmp_path / "reviews")
    assert path.parent == tmp_path / "reviews" and n == 2
    import json

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {r["flag"] for r in rows} == {0, 1} and all(r["source"] == "review" for r in rows)


def test_maintainer_status_without_a_model(monkeypatch, tmp_path):
    from screener.review import maintainer

    monkeypatch.setenv("SCREENER_MODEL", str(tmp_path / "none"))
    st = maintainer.status()
    assert st.current_version.startswith("rules-") and st.current_dir is None
    assert any("bộ quy tắc" in n for n in st.notes)


def test_maintainer_promote_and_discard(tmp_path, monkeypatch):
    pytest.importorskip("screener.classifier.card")
    from screener.classifier.card import read_current
    from screener.review import maintainer

    root = tmp_path / "models"
    for name in ("old", "new", "other"):
        (root / name).mkdir(parents=True)
        (root / name / "model.skops").write_bytes(b"x")
    monkeypatch.setattr(maintainer, "models_root", lambda: root)
    maintainer.promote(maintainer.Candidate("new", root / "new", {}, {}, "rules"))
    assert read_current(root) == "new"
    with pytest.raises(ValueError):
        maintainer.discard(maintainer.Candidate("new", root / "new", {}, {}, "rules"))
    maintainer.discard(maintainer.Candidate("other", root / "other", {}, {}, "new"))
    assert not (root / "other").exists() and (root / "new").exists()
    cand = maintainer.Candidate("x", root / "x", {"F1 (gắn cờ)": 0.8}, {"F1 (gắn cờ)": 0.7}, "rules")
    [row] = maintainer.comparison_rows(cand)
    assert row == {"Chỉ số": "F1 (gắn cờ)", "Hiện tại (rules)": "0.700", "Mới (x)": "0.800"}


def test_headline_metrics():
    from screener.review.maintainer import headline

    m = {"dev": {"n": 500, "flag": {"precision": 0.5, "recall": 0.6, "f1": 0.54545, "pr_auc": 0.6},
                 "category_micro": {"f1": 0.4}, "held_out": True}, "oof": {"flag_f1": 0.7}}
    h = headline(m)
    assert h["Nhãn đánh giá độc lập với dữ liệu huấn luyện"] == "có"
    assert h["Số mẫu đánh giá"] == 500 and h["F1 (gắn cờ)"] == 0.545 and h["F1 nhóm rủi ro (micro)"] == 0.4
    assert headline({"n": 3, "flag": {"f1": 0.5}})["F1 (gắn cờ)"] == 0.5
