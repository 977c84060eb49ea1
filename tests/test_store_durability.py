"""No decision is lost: concurrent writer processes, a writer killed mid-write, a schema upgrade
from an older file, and reproducible export / import."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from screener.review import Decision, ReviewStore, SCHEMA_VERSION, connect

ROOT = Path(__file__).resolve().parents[1]


def _decision(writer: int, seq: int, **kw) -> Decision:
    return Decision(doc_hash=f"doc{writer % 3}", finding_id=f"f{writer}-{seq}", action="confirm",
                    reviewer=f"Người rà soát {writer}", note=f"ghi chú {seq} “{writer}”",
                    triggers=[{"text": "có thẩm quyền", "start": seq, "end": seq + 13}], **kw)


def _writer(path: str, writer: int, n: int, barrier) -> None:
    store = ReviewStore(path)
    barrier.wait()  # everyone starts at once
    for seq in range(n):
        store.add(_decision(writer, seq))


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_concurrent_writer_processes_lose_nothing(tmp_path):
    path = tmp_path / "reviews.sqlite3"
    ReviewStore(path)
    ctx = multiprocessing.get_context("spawn")
    writers, n = 6, 60
    barrier = ctx.Barrier(writers)
    procs = [ctx.Process(target=_writer, args=(str(path), w, n, barrier)) for w in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=180)
        assert p.exitcode == 0
    store = ReviewStore(path)
    got = {(d.reviewer, d.finding_id) for d in store.decisions()}
    want = {(f"Người rà soát {w}", f"f{w}-{s}") for w in range(writers) for s in range(n)}
    assert got == want and store.count() == writers * n
    ids = [d.id for d in store.decisions()]
    assert len(ids) == len(set(ids))
    assert _integrity(path) == "ok"
    # each writer's own decisions are in its own order
    for w in range(writers):
        mine = [d.finding_id for d in store.decisions() if d.reviewer == f"Người rà soát {w}"]
        assert mine == [f"f{w}-{s}" for s in range(n)]


_KILLABLE = r"""
import sys
from screener.review import Decision, ReviewStore
store = ReviewStore(sys.argv[1])
seq = 0
while True:
    store.add(Decision(doc_hash="d", finding_id=f"f{seq}", action="confirm", reviewer="Lan",
                       note="x" * (seq % 500), triggers=[{"text": "t", "start": 0, "end": 1}]))
    print(seq, flush=True)  # printed only once the transaction is committed
    seq += 1
"""


@pytest.mark.parametrize("kill_after", [1, 7, 40, 150])
def test_writer_killed_mid_write_leaves_every_committed_decision(tmp_path, kill_after):
    path = tmp_path / "reviews.sqlite3"
    ReviewStore(path)
    proc = subprocess.Popen([sys.executable, "-c", _KILLABLE, str(path)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    committed = []
    try:
        for line in proc.stdout:
            committed.append(int(line))
            if len(committed) >= kill_after:
                break
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next write, most likely
        # the writer ran on while we read: what it printed before dying was committed too
        committed += [int(line) for line in proc.stdout]
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert _integrity(path) == "ok"
    store = ReviewStore(path)  # reopens, recovers the WAL
    stored = [int(d.finding_id[1:]) for d in store.decisions()]
    assert set(committed) <= set(stored), "every committed decision is there"
    assert stored == list(range(len(stored))), "nothing half-written, nothing out of order"
    assert len(stored) - len(committed) <= 1  # at most the one committed but not yet printed
    store.add(_decision(0, 0))  # and the store is still writable
    assert _integrity(path) == "ok"


def test_killed_while_many_writers_run(tmp_path):
    """Kill one of three concurrent writers: the others' decisions and the file survive."""
    path = tmp_path / "reviews.sqlite3"
    ReviewStore(path)
    procs = [subprocess.Popen([sys.executable, "-c", _KILLABLE.replace('reviewer="Lan"', f'reviewer="R{i}"'),
                               str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT) for i in range(3)]
    seen = {i: [] for i in range(3)}
    try:
        for i, p in enumerate(procs):
            for line in p.stdout:
                seen[i].append(int(line))
                if len(seen[i]) >= 20:
                    break
        os.kill(procs[0].pid, signal.SIGKILL)
        for i in (1, 2):
            for line in procs[i].stdout:
                seen[i].append(int(line))
                if len(seen[i]) >= 40:
                    break
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=30)
            p.stdout.close()
    assert _integrity(path) == "ok"
    store = ReviewStore(path)
    for i in range(3):
        stored = {int(d.finding_id[1:]) for d in store.decisions() if d.reviewer == f"R{i}"}
        assert set(seen[i]) <= stored


# ---- schema upgrade from an older file ---------------------------------------------------------

#: the version-1 schema as it shipped, written out (not produced by today's migration code)
_V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);
INSERT INTO schema_version VALUES (1, 'decisions log', '2026-10-01T00:00:00+00:00');
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_hash TEXT NOT NULL, finding_id TEXT NOT NULL,
    action TEXT NOT NULL, reviewer TEXT NOT NULL, model_version TEXT NOT NULL DEFAULT '',
    category TEXT, severity INTEGER, note TEXT, label TEXT, unit_start INTEGER, unit_end INTEGER,
    text TEXT, article_title TEXT, doc_type TEXT, original_category TEXT,
    triggers TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL);
CREATE INDEX decisions_doc ON decisions (doc_hash, finding_id, id);
"""


def _old_file(path: Path, n: int = 25) -> None:
    conn = sqlite3.connect(path)  # a rollback-journal file, as an old install may have left
    conn.executescript(_V1_SCHEMA)
    for i in range(n):
        conn.execute("INSERT INTO decisions (doc_hash, finding_id, action, reviewer, category, severity, note, "
                     "triggers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (f"h{i % 4}", f"f{i}", ["confirm", "dismiss", "edit"][i % 3], "Lan",
                      "vague_criteria" if i % 3 == 2 else None, 3 if i % 3 == 2 else None, f"n{i}",
                      json.dumps([{"text": "t", "start": 0, "end": 1}]), f"2026-10-0{1 + i % 9}T10:00:00+00:00"))
    conn.commit()
    conn.close()


def test_upgrade_from_a_version_1_file_keeps_every_decision(tmp_path):
    path = tmp_path / "old.sqlite3"
    _old_file(path)
    store = ReviewStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    ds = store.decisions()
    assert [d.finding_id for d in ds] == [f"f{i}" for i in range(25)]
    assert ds[2].category == "vague_criteria" and ds[2].severity == 3 and ds[0].triggers[0]["text"] == "t"
    docs = {d["doc_hash"]: d for d in store.documents()}
    assert set(docs) == {"h0", "h1", "h2", "h3"} and docs["h0"]["n_decisions"] == 7
    assert _integrity(path) == "ok"
    with connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    store.add(_decision(1, 1))  # and it takes new decisions
    assert store.count() == 26


def _open(path: str, barrier) -> None:
    barrier.wait()
    ReviewStore(path).add(_decision(os.getpid() % 1000, 0))


def test_several_processes_upgrade_the_same_old_file_at_once(tmp_path):
    path = tmp_path / "old.sqlite3"
    _old_file(path)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_open, args=(str(path), barrier)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    store = ReviewStore(path)
    assert store.count() == 29 and store.schema_version() == SCHEMA_VERSION
    with connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert _integrity(path) == "ok"


# ---- reproducible export --------------------------------------------------------------------

def _filled(path: Path) -> ReviewStore:
    store = ReviewStore(path)
    store.remember_document("doc0", "dự thảo 1.pdf", title="Nghị định “thử”", doc_type="Nghị định",
                            stored_path="/srv/uploads/doc0.pdf")
    store.remember_document("doc1", "b.docx")
    for w in range(3):
        for s in range(5):
            store.add(_decision(w, s, category="vague_criteria" if s == 2 else None))
    store.add(Decision(doc_hash="doc0", finding_id="m1", action="add", reviewer="Lan", category="self_delegation",
                       severity=3, label="khoản 2 Điều 1", unit_start=10, unit_end=40, text="Bộ trưởng quy định.",
                       triggers=[{"text": "Bộ trưởng quy định", "start": 10, "end": 28}], note="<script>x</script>"))
    return store


def test_export_import_export_gives_the_same_file(tmp_path):
    a = _filled(tmp_path / "a.sqlite3")
    first = tmp_path / "first.jsonl"
    a.export_jsonl(first)
    b = ReviewStore(tmp_path / "b.sqlite3")
    assert b.import_jsonl(first) == (2, 16)
    second = tmp_path / "second.jsonl"
    b.export_jsonl(second)
    assert first.read_bytes() == second.read_bytes()
    assert [d.to_dict() | {"id": None} for d in a.decisions()] == [d.to_dict() | {"id": None} for d in b.decisions()]
    # importing again adds nothing; the export is still the same
    assert b.import_jsonl(first)[1] == 0
    assert b.export_jsonl() == first.read_text(encoding="utf-8")
    # a third generation, through the text form
    c = ReviewStore(tmp_path / "c.sqlite3")
    c.import_jsonl(b.export_jsonl())
    assert c.export_jsonl() == first.read_text(encoding="utf-8")


def test_export_is_stable_and_says_what_it_holds(tmp_path):
    a = _filled(tmp_path / "a.sqlite3")
    text = a.export_jsonl()
    assert text == a.export_jsonl()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["format"] == "screener-reviews" and lines[0]["decisions"] == 16
    assert all("id" not in x for x in lines[1:])
    assert text.endswith("\n") and "\r" not in text


@pytest.mark.parametrize("bad, message", [
    ('{"format": "other"}\n', "not a screener review export"),
    ('{"format": "screener-reviews", "version": 1}\nnot json\n', "line 3: not JSON"),
    ('{"format": "screener-reviews", "version": 1}\n{"type": "decision", "doc_hash": "d", "finding_id": "f", '
     '"action": "explode", "reviewer": "x", "created_at": "2026-01-01"}\n', "line 3: a decision needs a known action"),
    ('{"format": "screener-reviews", "version": 1}\n{"type": "decision", "bogus": 1}\n', "line 3: not a decision"),
    ('{"format": "screener-reviews", "version": 99}\n', "newer"),
])
def test_bad_import_raises_and_writes_nothing(tmp_path, bad, message):
    store = ReviewStore(tmp_path / "s.sqlite3")
    good = ('{"type": "decision", "doc_hash": "d", "finding_id": "ok", "action": "confirm", "reviewer": "x", '
            '"created_at": "2026-01-01T00:00:00+00:00"}\n')
    lines = bad.splitlines(keepends=True)
    text = lines[0] + good + "".join(lines[1:])
    with pytest.raises(ValueError, match=message):
        store.import_jsonl(text)
    assert store.count() == 0
