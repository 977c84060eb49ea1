"""The review database: every reviewer decision, kept at once in SQLite.

One file (``<data dir>/reviews.sqlite3``; data dir from ``SCREENER_DATA_DIR``, default
``./data``), WAL journal so readers never block the writer, ``busy_timeout`` so concurrent
writers wait instead of failing, one connection per operation (safe from any thread), every
write in its own ``BEGIN IMMEDIATE`` transaction.

The schema is versioned from the start: ``schema_version`` records each migration applied,
and ``MIGRATIONS`` lists them in order; opening a store applies the missing ones.

Decisions are an append-only log (who, when, on which document and model version); the
current state of a finding is the fold of its log (``screener.review.decisions``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

DB_NAME = "reviews.sqlite3"
BUSY_TIMEOUT_MS = 10_000

#: what a decision row may say
ACTIONS = ("confirm", "dismiss", "edit", "note", "add", "reopen")


def data_dir() -> Path:
    """``SCREENER_DATA_DIR`` or ``./data``; created when missing."""
    path = Path(os.environ.get("SCREENER_DATA_DIR") or "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Decision:
    """One reviewer action on one finding of one document."""

    doc_hash: str
    finding_id: str
    action: str  # one of ACTIONS
    reviewer: str
    model_version: str = ""
    category: str | None = None  # the category the reviewer holds (edit, add)
    severity: int | None = None
    note: str | None = None
    #: where the finding sits, so a decision can be read without the document
    label: str | None = None
    unit_start: int | None = None
    unit_end: int | None = None
    text: str | None = None  # the provision's text
    article_title: str | None = None
    doc_type: str | None = None
    original_category: str | None = None  # the screener's category, if any
    triggers: list[dict] = field(default_factory=list)  # [{"text", "start", "end"}] doc offsets
    created_at: str = ""
    id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _m1(conn: sqlite3.Connection) -> None:
    conn.execute("""
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_hash TEXT NOT NULL,
            finding_id TEXT NOT NULL,
            action TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            model_version TEXT NOT NULL DEFAULT '',
            category TEXT,
            severity INTEGER,
            note TEXT,
            label TEXT,
            unit_start INTEGER,
            unit_end INTEGER,
            text TEXT,
            article_title TEXT,
            doc_type TEXT,
            original_category TEXT,
            triggers TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX decisions_doc ON decisions (doc_hash, finding_id, id)")


def _m2(conn: sqlite3.Connection) -> None:
    """Documents reviewed: so a document can be reopened by its hash."""
    conn.execute("""
        CREATE TABLE documents (
            doc_hash TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            title TEXT,
            doc_type TEXT,
            number TEXT,
            stored_path TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )""")
    # documents already decided on before this table existed
    conn.execute("""
        INSERT OR IGNORE INTO documents (doc_hash, name, first_seen, last_seen)
        SELECT doc_hash, doc_hash, MIN(created_at), MAX(created_at) FROM decisions GROUP BY doc_hash""")


#: (version, description, function); append only, never edit an applied one
MIGRATIONS = [
    (1, "decisions log", _m1),
    (2, "documents reviewed", _m2),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def connect(path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _use_wal(conn)
    # FULL: a committed decision survives a power cut too, not only a crash (one fsync a decision)
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch an old rollback-journal file to WAL; retried, because SQLite does not apply the
    busy timeout to this switch while another process is also opening the file."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                 "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the missing migrations up to ``target`` (default: all), each in a transaction."""
    target = SCHEMA_VERSION if target is None else target
    for version, description, fn in MIGRATIONS:
        if version > target:
            break
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version <= schema_version(conn):  # another process got there first
                conn.execute("ROLLBACK")
                continue
            fn(conn)
            conn.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                         (version, description, _now()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


_COLUMNS = ("doc_hash", "finding_id", "action", "reviewer", "model_version", "category", "severity",
            "note", "label", "unit_start", "unit_end", "text", "article_title", "doc_type",
            "original_category", "triggers", "created_at")


_DOC_COLUMNS = ("doc_hash", "name", "title", "doc_type", "number", "stored_path", "first_seen", "last_seen")
EXPORT_FORMAT = "screener-reviews"
EXPORT_VERSION = 1


def _row_to_decision(row: sqlite3.Row) -> Decision:
    d = dict(row)
    d["triggers"] = json.loads(d.get("triggers") or "[]")
    return Decision(**d)


class ReviewStore:
    """Decisions and reviewed documents in one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            path = data_dir() / DB_NAME
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as conn:
            migrate(conn)

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn = connect(self.path)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        with self._conn() as conn:
            return schema_version(conn)

    # decisions
    def add(self, decision: Decision) -> Decision:
        """Store one decision now; returns it with its id and time."""
        if decision.action not in ACTIONS:
            raise ValueError(f"unknown action {decision.action!r}")
        if not (decision.reviewer or "").strip():
            raise ValueError("a decision needs the reviewer's name")
        decision.reviewer = decision.reviewer.strip()
        decision.created_at = decision.created_at or _now()
        values = asdict(decision)
        values["triggers"] = json.dumps(decision.triggers, ensure_ascii=False)
        with self._write() as conn:
            cur = conn.execute(f"INSERT INTO decisions ({', '.join(_COLUMNS)}) VALUES "
                               f"({', '.join('?' for _ in _COLUMNS)})", [values[c] for c in _COLUMNS])
            decision.id = cur.lastrowid
            conn.execute("UPDATE documents SET last_seen = ? WHERE doc_hash = ?",
                         (decision.created_at, decision.doc_hash))
        return decision

    def decisions(self, doc_hash: str | None = None) -> list[Decision]:
        """The log in the order written, for one document or all."""
        with self._conn() as conn:
            if doc_hash is None:
                rows = conn.execute("SELECT * FROM decisions ORDER BY id").fetchall()
            else:
                rows = conn.execute("SELECT * FROM decisions WHERE doc_hash = ? ORDER BY id",
                                    (doc_hash,)).fetchall()
        return [_row_to_decision(r) for r in rows]

    def count(self) -> int:
        with self._conn() as conn:
            return conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]

    # documents
    def remember_document(self, doc_hash: str, name: str, *, title: str | None = None,
                          doc_type: str | None = None, number: str | None = None,
                          stored_path: str | None = None) -> None:
        now = _now()
        with self._write() as conn:
            conn.execute("""
                INSERT INTO documents (doc_hash, name, title, doc_type, number, stored_path, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (doc_hash) DO UPDATE SET name = excluded.name, title = excluded.title,
                    doc_type = excluded.doc_type, number = excluded.number,
                    stored_path = COALESCE(excluded.stored_path, documents.stored_path),
                    last_seen = excluded.last_seen""",
                         (doc_hash, name, title, doc_type, number, stored_path, now, now))

    def documents(self) -> list[dict]:
        """Reviewed documents, most recent first, with their number of decisions."""
        with self._conn() as conn:
            rows = conn.execute("""
                SELECT d.*, (SELECT COUNT(*) FROM decisions x WHERE x.doc_hash = d.doc_hash) AS n_decisions
                FROM documents d ORDER BY d.last_seen DESC, d.name""").fetchall()
        return [dict(r) for r in rows]

    def document(self, doc_hash: str) -> dict | None:
        with self._conn() as conn:
            row = conn.execute("SELECT * FROM documents WHERE doc_hash = ?", (doc_hash,)).fetchone()
        return dict(row) if row else None

    # export and import
    def export_jsonl(self, path: str | Path | None = None) -> str:
        """Every document and decision as JSON Lines (returned, and written to ``path`` if given).

        Reproducible: the same content gives the same bytes (no export time; keys sorted;
        documents by hash; decisions in the order written, without their row ids), so exporting,
        importing into a fresh store (``import_jsonl``) and exporting again gives the same file.
        """
        with self._conn() as conn:
            docs = conn.execute("SELECT * FROM documents ORDER BY doc_hash").fetchall()
            rows = conn.execute("SELECT * FROM decisions ORDER BY id").fetchall()
        lines = [{"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "schema_version": SCHEMA_VERSION,
                  "documents": len(docs), "decisions": len(rows)}]
        lines += [{"type": "document", **{c: r[c] for c in _DOC_COLUMNS}} for r in docs]
        for r in rows:
            d = _row_to_decision(r).to_dict()
            d.pop("id", None)
            lines.append({"type": "decision", **d})
        text = "".join(json.dumps(x, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
                       for x in lines)
        if path is not None:
            tmp = Path(str(path) + ".tmp")
            tmp.write_text(text, encoding="utf-8", newline="\n")
            os.replace(tmp, path)
        return text

    def import_jsonl(self, source: str | Path) -> tuple[int, int]:
        """Adds the documents and decisions of an ``export_jsonl`` file (a path, or its text if
        it starts with "{"); returns (documents, decisions) added. A decision already in the
        store (same fields) is not added twice, so importing twice changes nothing. All or
        nothing: a bad line raises ``ValueError`` naming it and nothing is written."""
        text = source if isinstance(source, str) and source.lstrip().startswith("{") \
            else Path(source).read_text(encoding="utf-8")
        docs, decisions = [], []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {n}: not JSON ({exc})") from None
            if n == 1:
                if not isinstance(obj, dict) or obj.get("format") != EXPORT_FORMAT:
                    raise ValueError(f"line 1: not a screener review export (format {EXPORT_FORMAT!r})")
                if obj.get("version", 0) > EXPORT_VERSION:
                    raise ValueError(f"line 1: export version {obj.get('version')} is newer than this "
                                     f"screener reads ({EXPORT_VERSION})")
                continue
            kind = obj.pop("type", None) if isinstance(obj, dict) else None
            if kind == "document":
                if not obj.get("doc_hash") or not obj.get("name"):
                    raise ValueError(f"line {n}: a document needs doc_hash and name")
                docs.append({c: obj.get(c) for c in _DOC_COLUMNS})
            elif kind == "decision":
                obj.pop("id", None)
                try:
                    d = Decision(**obj)
                except TypeError as exc:
                    raise ValueError(f"line {n}: not a decision ({exc})") from None
                if d.action not in ACTIONS or not (d.reviewer or "").strip() or not d.created_at:
                    raise ValueError(f"line {n}: a decision needs a known action, a reviewer and a time")
                decisions.append(d)
            else:
                raise ValueError(f"line {n}: unknown line type {kind!r}")
        added = 0
        with self._write() as conn:
            for doc in docs:
                doc["first_seen"] = doc.get("first_seen") or _now()
                doc["last_seen"] = doc.get("last_seen") or doc["first_seen"]
                conn.execute(f"""
                    INSERT INTO documents ({', '.join(_DOC_COLUMNS)}) VALUES ({', '.join('?' for _ in _DOC_COLUMNS)})
                    ON CONFLICT (doc_hash) DO UPDATE SET
                        title = COALESCE(documents.title, excluded.title),
                        doc_type = COALESCE(documents.doc_type, excluded.doc_type),
                        number = COALESCE(documents.number, excluded.number),
                        stored_path = COALESCE(documents.stored_path, excluded.stored_path),
                        first_seen = MIN(documents.first_seen, excluded.first_seen),
                        last_seen = MAX(documents.last_seen, excluded.last_seen)
                    WHERE documents.first_seen > excluded.first_seen OR documents.last_seen < excluded.last_seen
                        OR documents.title IS NULL OR documents.stored_path IS NULL""",
                             [doc[c] for c in _DOC_COLUMNS])
            for d in decisions:
                values = asdict(d)
                values["triggers"] = json.dumps(d.triggers, ensure_ascii=False)
                where = " AND ".join(f"{c} IS ?" for c in _COLUMNS)
                if conn.execute(f"SELECT 1 FROM decisions WHERE {where} LIMIT 1",
                                [values[c] for c in _COLUMNS]).fetchone():
                    continue
                conn.execute(f"INSERT INTO decisions ({', '.join(_COLUMNS)}) VALUES "
                             f"({', '.join('?' for _ in _COLUMNS)})", [values[c] for c in _COLUMNS])
                added += 1
        return len(docs), added
