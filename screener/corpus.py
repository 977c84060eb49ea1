"""The annotated corpus: its format, a validator, and loaders that resolve references.

Three kinds of JSON Lines rows (one object per line; see ``corpus/README.md``):

- **text rows** (``corpus/synthetic/*.jsonl``): ``{"id", "text", "article_title", "doc_type",
  "flag", "categories", "severity", "triggers": [strings], "note", "source"}``; every trigger
  is an exact substring of ``text``.
- **review rows** (``corpus/reviews/*.jsonl``, written by :mod:`screener.review_export`): a
  text row with ``source = "review"`` and ``"reviewer", "decided_at", "document_sha256",
  "model_version", "label", "decisions"``.
- **reference rows** (``corpus/real/*.jsonl``): real provisions by reference, never with
  their text: ``{"ref", "flag", "categories", "severity", "triggers": [[start, end], ...],
  "note", "annotator"}``; ``ref`` is an id of ``../shared/data/clauses.jsonl.gz``, or
  ``draft:<file stem>#<citation label>`` for a provision of a draft in
  ``../shared/data/drafts/`` (resolved by parsing the draft; such rows also carry
  ``text_sha1``, so that a parser change that moves the provision is caught); the triggers
  are character offsets into that provision's text.

Consistency (checked by :func:`check_files`, ``screener corpus check``): ``flag`` is 0 or 1;
``categories`` are taxonomy ids, non-empty exactly when ``flag`` is 1; ``severity`` is 1-3
when flagged and null otherwise; a flagged row has at least one trigger and an unflagged row
none; triggers are substrings / offsets inside the text; ids are unique (a reference may be
labelled once per annotator).

Loading (:func:`load_examples`) turns every kind into one :class:`Example` with its text;
references are resolved from ``../shared/data`` (beside the repo). A reference labelled by
two annotators becomes one example (:func:`adjudicate`).
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from screener.rules import category_ids

__all__ = [
    "REPO_ROOT", "SHARED", "CLAUSES", "DRAFTS", "DEFAULT_CORPUS", "Example", "Problem",
    "CheckResult", "check_files", "load_examples", "load_clauses", "adjudicate",
    "expand_paths", "LoadReport", "TEXT_FIELDS", "REF_FIELDS", "REVIEW_FIELDS", "resolve_refs",
    "text_sha1", "draft_ref",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
CLAUSES = SHARED / "data" / "clauses.jsonl.gz"
DRAFTS = SHARED / "data" / "drafts"
#: reference ids of draft provisions: ``draft:<file stem>#<citation label>``
DRAFT_PREFIX = "draft:"
#: what ``screener train`` reads when no --corpus is given
DEFAULT_CORPUS = ("corpus/real/*.jsonl", "corpus/synthetic/*.jsonl", "corpus/reviews/*.jsonl")

TEXT_FIELDS = ("id", "text", "article_title", "doc_type", "flag", "categories", "severity",
               "triggers", "note", "source")
REF_FIELDS = ("ref", "flag", "categories", "severity", "triggers", "note", "annotator")
REVIEW_FIELDS = ("reviewer", "decided_at", "document_sha256", "model_version")


@dataclass
class Example:
    """One labelled provision with its text, whatever file it came from."""

    id: str
    text: str
    article_title: str | None
    doc_type: str | None
    flag: int
    categories: list[str]
    severity: int | None
    triggers: list[str]
    source: str  # "real" | "synthetic" | "review" | other text-row sources
    group: str  # for grouped cross-validation: doc_ref, document hash or the id itself
    files: list[str] = field(default_factory=list)
    annotators: list[str] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class CheckResult:
    problems: list[Problem]
    rows: int
    files: int
    refs_resolved: bool
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------ resolving references
@lru_cache(maxsize=4)
def _clauses_cached(path: str, ids: frozenset | None) -> dict[str, dict]:
    out = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if ids is not None:
                # cheap pre-filter on the id before parsing the line
                i = line.find('"id": "')
                if i >= 0:
                    j = line.find('"', i + 7)
                    if line[i + 7:j] not in ids:
                        continue
            r = json.loads(line)
            if ids is None or r["id"] in ids:
                out[r["id"]] = r
    return out


def load_clauses(ids: Iterable[str] | None = None, path: Path | str | None = None) -> dict[str, dict] | None:
    """Real provisions by id from ``clauses.jsonl.gz`` (only ``ids`` if given); ``None`` when
    the file is absent."""
    p = Path(path) if path else CLAUSES
    if not p.is_file():
        return None
    return _clauses_cached(str(p), frozenset(ids) if ids is not None else None)


def text_sha1(text: str) -> str:
    """The first 12 hex digits of the text's SHA-1: a draft reference's check on its text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def draft_ref(stem: str, label: str) -> str:
    return f"{DRAFT_PREFIX}{stem}#{label}"


def draft_group(doc_type: str | None, title: str | None, stem: str) -> str:
    """The cross-validation group of a draft: its type and title, without tone marks (OCR
    drops some) or "(sửa đổi)", so that two versions of one draft fall in one group."""
    from screener.ingest.normalize import fold

    if not title:
        return stem
    folded = re.sub(r"\(\s*sua doi\s*\)", " ", fold(f"{doc_type or ''} {title}".lower()))
    return "draft:" + " ".join(re.findall(r"\w+", folded))


def dev_group(doc_ref: str | None, drafts_dir: Path | str | None = None) -> str | None:
    """The group of a labelled provision of ``doc_ref``: a draft of ../shared/data/drafts is
    grouped as its corpus provisions are (:func:`draft_group`), any other document by itself."""
    f = (Path(drafts_dir) if drafts_dir else DRAFTS) / f"{doc_ref}.md"
    if not doc_ref or not f.is_file():
        return doc_ref
    return next(iter(_draft_units(str(f)).values()), {}).get("group", doc_ref)


@lru_cache(maxsize=32)
def _draft_units(path: str) -> dict[str, dict]:
    """The judged units of one draft by citation label, as clause-like records (a label that
    two units share -- e.g. two quoted amendments of the same clause -- names neither)."""
    from collections import Counter

    from screener import parse_file

    parsed = parse_file(path)
    md = parsed.document.metadata
    stem = Path(path).stem
    doc_type = f"{md.type} (dự thảo)" if md.type else "dự thảo"
    shared = {k for k, v in Counter(u.label for u in parsed.units).items() if v > 1}
    return {u.label: {"id": draft_ref(stem, u.label), "text": parsed.text[u.start:u.end],
                      "title": u.article_title, "doc_type": doc_type, "doc_ref": stem,
                      "group": draft_group(md.type, md.title, stem)}
            for u in parsed.units if u.label not in shared}


def resolve_refs(ids: Iterable[str], clauses_path: Path | str | None = None,
                 drafts_dir: Path | str | None = None) -> tuple[dict[str, dict], dict[str, set[str]]]:
    """Records (``text``, ``title``, ``doc_type``, ``doc_ref``) of the reference ids that can
    be resolved, and the absent sources with the ids that they would resolve."""
    ids = set(ids)
    drafts = {i for i in ids if i.startswith(DRAFT_PREFIX)}
    found: dict[str, dict] = {}
    absent: dict[str, set[str]] = {}
    if ids - drafts:
        clauses = load_clauses(ids - drafts, clauses_path)
        if clauses is None:
            absent[str(clauses_path or CLAUSES)] = ids - drafts
        else:
            found.update(clauses)
    root = Path(drafts_dir) if drafts_dir else DRAFTS
    by_stem: dict[str, set[str]] = {}
    for i in drafts:
        by_stem.setdefault(i[len(DRAFT_PREFIX):].partition("#")[0], set()).add(i)
    for stem, wanted in sorted(by_stem.items()):
        f = root / f"{stem}.md"
        if not f.is_file():
            absent[str(f)] = wanted
            continue
        found.update({rec["id"]: rec for rec in _draft_units(str(f)).values() if rec["id"] in wanted})
    return found, absent


# ------------------------------------------------------------------ reading files
def expand_paths(patterns: Sequence[str | Path], root: Path = REPO_ROOT) -> list[Path]:
    """Files named by paths or glob patterns (relative ones first against the working
    directory, then against the repo root); directories give their ``*.jsonl``."""
    out: list[Path] = []
    for pat in patterns:
        pat = str(pat)
        hits = sorted(glob.glob(pat)) or sorted(glob.glob(str(root / pat)))
        if not hits and Path(pat).exists():
            hits = [pat]
        for h in hits:
            p = Path(h)
            if p.is_dir():
                out.extend(sorted(p.glob("*.jsonl")))
            else:
                out.append(p)
    seen, uniq = set(), []
    for p in out:
        k = p.resolve()
        if k not in seen:
            seen.add(k)
            uniq.append(p)
    return uniq


def _read_jsonl(path: Path) -> list[tuple[int, object, str | None]]:
    """(line number, parsed object or None, error message or None) for each non-blank line."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [(0, None, f"cannot read: {exc}")]
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((n, json.loads(line), None))
        except json.JSONDecodeError as exc:
            rows.append((n, None, f"bad JSON: {exc.msg} (column {exc.colno})"))
    return rows


def _kind(row: dict) -> str:
    if "ref" in row and "text" not in row:
        return "ref"
    if row.get("source") == "review":
        return "review"
    return "text"


# ------------------------------------------------------------------ validation
def _check_labels(row: dict, cats: set[str]) -> list[str]:
    errs = []
    flag = row.get("flag")
    if isinstance(flag, bool):
        flag = int(flag)
    if flag not in (0, 1):
        errs.append(f"flag must be 0 or 1, not {row.get('flag')!r}")
        return errs
    categories = row.get("categories")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        errs.append("categories must be a list of category ids")
        return errs
    unknown = [c for c in categories if c not in cats]
    if unknown:
        errs.append(f"unknown category id(s): {', '.join(map(repr, unknown))}")
    if len(set(categories)) != len(categories):
        errs.append("a category is listed twice")
    sev = row.get("severity")
    trig = row.get("triggers")
    if flag == 1:
        if not categories:
            errs.append("flag is 1 but categories is empty")
        if sev not in (1, 2, 3) or isinstance(sev, bool):
            errs.append(f"flag is 1: severity must be 1, 2 or 3, not {sev!r}")
        if isinstance(trig, list) and not trig:
            errs.append("flag is 1 but there is no trigger")
    else:
        if categories:
            errs.append("flag is 0 but categories are given")
        if sev is not None:
            errs.append(f"flag is 0: severity must be null, not {sev!r}")
        if isinstance(trig, list) and trig:
            errs.append("flag is 0 but triggers are given")
    if not isinstance(trig, list):
        errs.append("triggers must be a list")
    return errs


def check_files(paths: Sequence[str | Path], clauses_path: Path | str | None = None,
                drafts_dir: Path | str | None = None) -> CheckResult:
    """Validate corpus files; every problem carries its file and line."""
    files = [Path(p) for p in paths]
    cats = set(category_ids())
    problems: list[Problem] = []
    notes: list[str] = []
    parsed: list[tuple[Path, int, dict]] = []
    for f in files:
        if not f.is_file():
            problems.append(Problem(str(f), 0, "no such file"))
            continue
        for n, row, err in _read_jsonl(f):
            if err:
                problems.append(Problem(str(f), n, err))
            elif not isinstance(row, dict):
                problems.append(Problem(str(f), n, "each line must be one JSON object"))
            else:
                parsed.append((f, n, row))
    ref_ids = {row["ref"] for _, _, row in parsed if _kind(row) == "ref" and isinstance(row.get("ref"), str)}
    clauses, absent = resolve_refs(ref_ids, clauses_path, drafts_dir) if ref_ids else ({}, {})
    resolved = not absent
    if absent:
        notes.append(f"references not resolved: {', '.join(absent)} {'is' if len(absent) == 1 else 'are'} "
                     "absent, so their trigger offsets are "
                     "checked for shape only (shared/ beside the repo makes this check complete)")
    if clauses:
        notes.append(f"{len(clauses)} references resolved from {SHARED / 'data' if not clauses_path else clauses_path}")
    seen_ids: dict[str, tuple[str, int]] = {}
    seen_refs: dict[tuple[str, str], tuple[str, int]] = {}
    for f, n, row in parsed:
        kind = _kind(row)
        req = REF_FIELDS if kind == "ref" else TEXT_FIELDS + (REVIEW_FIELDS if kind == "review" else ())
        missing = [k for k in req if k not in row]
        if missing:
            problems.append(Problem(str(f), n, f"missing field(s): {', '.join(missing)}"))
            if any(k in missing for k in ("flag", "categories", "triggers", "id", "ref", "text")):
                continue
        for msg in _check_labels(row, cats):
            problems.append(Problem(str(f), n, msg))
        trig = row.get("triggers") if isinstance(row.get("triggers"), list) else []
        if kind == "ref":
            ref = row.get("ref")
            if not isinstance(ref, str) or not ref:
                problems.append(Problem(str(f), n, "ref must be a non-empty string"))
                continue
            key = (ref, str(row.get("annotator")))
            if key in seen_refs:
                pf, pn = seen_refs[key]
                problems.append(Problem(str(f), n, f"duplicate ref {ref!r} for annotator "
                                                   f"{key[1]!r} (first at {pf}:{pn})"))
            else:
                seen_refs[key] = (str(f), n)
            text = clauses.get(ref, {}).get("text")
            if text is None and not any(ref in wanted for wanted in absent.values()):
                where = ("its draft in " + str(drafts_dir or DRAFTS) if ref.startswith(DRAFT_PREFIX)
                         else str(clauses_path or CLAUSES))
                problems.append(Problem(str(f), n, f"ref {ref!r} is not in {where}"))
            if text is not None and row.get("text_sha1") not in (None, text_sha1(text)):
                problems.append(Problem(str(f), n, f"ref {ref!r}: the provision's text has changed since it "
                                                   "was labelled (text_sha1 differs); re-label it"))
                text = None
            if ref.startswith(DRAFT_PREFIX) and "text_sha1" not in row:
                problems.append(Problem(str(f), n, f"ref {ref!r}: a draft reference needs text_sha1"))
            for t in trig:
                if (not isinstance(t, list) or len(t) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in t)):
                    problems.append(Problem(str(f), n, f"trigger {t!r} must be [start, end] offsets"))
                    continue
                s, e = t
                if not 0 <= s < e:
                    problems.append(Problem(str(f), n, f"trigger offsets {t} are not 0 <= start < end"))
                elif text is not None and e > len(text):
                    problems.append(Problem(str(f), n, f"trigger offsets {t} are out of range "
                                                       f"(the text has {len(text)} characters)"))
                elif text is not None and not text[s:e].strip():
                    problems.append(Problem(str(f), n, f"trigger offsets {t} cover only whitespace"))
        else:
            rid = row.get("id")
            if not isinstance(rid, str) or not rid:
                problems.append(Problem(str(f), n, "id must be a non-empty string"))
            elif rid in seen_ids:
                pf, pn = seen_ids[rid]
                problems.append(Problem(str(f), n, f"duplicate id {rid!r} (first at {pf}:{pn})"))
            else:
                seen_ids[rid] = (str(f), n)
            text = row.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem(str(f), n, "text must be a non-empty string"))
                continue
            for k in ("article_title", "doc_type"):
                if k in row and row[k] is not None and not isinstance(row[k], str):
                    problems.append(Problem(str(f), n, f"{k} must be a string or null"))
            for t in trig:
                if not isinstance(t, str) or not t:
                    problems.append(Problem(str(f), n, f"trigger {t!r} must be a non-empty string"))
                elif t not in text:
                    problems.append(Problem(str(f), n, f"trigger {t!r} is not a substring of the text"))
    return CheckResult(problems, len(parsed), len(files), resolved or not ref_ids, notes)


# ------------------------------------------------------------------ loading for training
def adjudicate(labels: list[dict]) -> dict:
    """One label for a reference labelled by several annotators.

    Policy (corpus/README.md): a second-pass label (annotator "R", corpus/real/review_*.R.jsonl)
    replaces the first pass. Otherwise, where the annotators agree on the flag, annotator A's label is
    kept (A labelled every batch; B is the second pass). Where they disagree on the flag, the
    guideline's rule 4 applies ("when unsure between 0 and 1 for a routine indicator, choose 1
    with severity 1"): the flagging annotator's categories and triggers, severity 1.
    """
    if len(labels) == 1:
        return labels[0]
    second_pass = [r for r in labels if r.get("annotator") == "R"]
    if second_pass:
        return second_pass[-1]
    ordered = sorted(labels, key=lambda r: (str(r.get("annotator")) != "A", str(r.get("annotator"))))
    flags = {int(r["flag"]) for r in ordered}
    if len(flags) == 1:
        return ordered[0]
    flagged = next(r for r in ordered if int(r["flag"]) == 1)
    out = dict(flagged)
    out["severity"] = 1
    out["note"] = f"annotators disagreed on the flag; guideline rule 4 (severity 1). {flagged.get('note', '')}"
    return out


@dataclass
class LoadReport:
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    refs_resolved: bool = True


def load_examples(paths: Sequence[str | Path], clauses_path: Path | str | None = None,
                  exclude_texts: set[str] | None = None,
                  report: LoadReport | None = None, drafts_dir: Path | str | None = None) -> list[Example]:
    """Examples (with text) from corpus files. References are resolved from
    ``clauses.jsonl.gz`` and the drafts; where a source is absent its references are skipped
    and ``report.messages`` says so.
    Rows whose text is in ``exclude_texts`` (the measuring set) are dropped. Malformed rows
    are skipped (``screener corpus check`` names them)."""
    report = report if report is not None else LoadReport()
    files = [Path(p) for p in paths]
    cats = set(category_ids())
    by_ref: dict[str, list[dict]] = {}
    ref_files: dict[str, list[str]] = {}
    text_rows: dict[str, tuple[dict, str]] = {}
    for f in files:
        report.files.append(str(f))
        for n, row, err in _read_jsonl(f):
            if err or not isinstance(row, dict) or _check_labels(row, cats):
                report.skipped["malformed"] = report.skipped.get("malformed", 0) + 1
                continue
            kind = _kind(row)
            if kind == "ref":
                by_ref.setdefault(row["ref"], []).append(row)
                ref_files.setdefault(row["ref"], []).append(f.name)
            elif isinstance(row.get("text"), str) and row.get("id"):
                prev = text_rows.get(row["id"])
                # a later review of the same provision supersedes an earlier one
                if prev is None or str(row.get("decided_at", "")) >= str(prev[0].get("decided_at", "")):
                    text_rows[row["id"]] = (row, f.name)
            else:
                report.skipped["malformed"] = report.skipped.get("malformed", 0) + 1
    out: list[Example] = []
    if by_ref:
        clauses, absent = resolve_refs(by_ref.keys(), clauses_path, drafts_dir)
        if absent:
            report.refs_resolved = False
            report.messages.append(
                f"{len(by_ref) - len(clauses)} real provisions are labelled by reference but "
                f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} absent: they are left out (put "
                "shared/ beside the repo to use them)")
        for ref, labels in by_ref.items():
            clause = clauses.get(ref)
            if clause is None or any(r.get("text_sha1") not in (None, text_sha1(clause["text"])) for r in labels):
                if clause is not None or not absent:
                    report.skipped["unresolved ref"] = report.skipped.get("unresolved ref", 0) + 1
                continue
            lab = adjudicate(labels)
            text = clause["text"]
            trig = [text[s:e] for s, e in lab["triggers"] if 0 <= s < e <= len(text)]
            out.append(Example(
                id=ref, text=text, article_title=clause.get("title"), doc_type=clause.get("doc_type"),
                flag=int(lab["flag"]), categories=list(lab["categories"]), severity=lab["severity"],
                triggers=trig, source="real", group=f"doc:{clause.get('group') or clause.get('doc_ref') or ref}",
                files=sorted(set(ref_files[ref])), annotators=[str(r.get("annotator")) for r in labels],
                note=lab.get("note", "")))
    for rid, (row, fname) in text_rows.items():
        src = str(row.get("source") or "text")
        group = f"sha:{row['document_sha256']}" if row.get("document_sha256") else f"id:{rid}"
        out.append(Example(
            id=rid, text=row["text"], article_title=row.get("article_title"), doc_type=row.get("doc_type"),
            flag=int(row["flag"]), categories=list(row["categories"]), severity=row.get("severity"),
            triggers=[t for t in row["triggers"] if isinstance(t, str)], source=src, group=group,
            files=[fname], annotators=[str(row.get("reviewer") or row.get("annotator") or src)],
            note=row.get("note", "")))
    if exclude_texts:
        kept = [e for e in out if e.text not in exclude_texts]
        if len(kept) != len(out):
            report.skipped["in the measuring set"] = len(out) - len(kept)
        out = kept
    for e in out:
        report.counts[e.source] = report.counts.get(e.source, 0) + 1
    return out
