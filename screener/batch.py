"""Screening many files: the per-document function and folder scanning with worker processes.

- :func:`screen_file` is the unit of work: one file in, ``(summary, findings)`` out, never
  raising for a file that cannot be read (the summary then has ``ok=False`` and ``error``).
  It is what ``screener scan DIR --jobs N`` runs in each worker and what an engine (Dask,
  Ray, Spark) can call per document; see README, "Screening a large collection".
- :func:`scan_folder` screens every supported file under a folder with N processes
  (``concurrent.futures.ProcessPoolExecutor``); each worker loads the model once (its
  initializer), writes one report per file into the output folder and returns the summary
  only (findings stay in the worker: nothing large crosses the process boundary).
- :func:`summary_table` prints the summaries as a plain-text table.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["SUPPORTED_SUFFIXES", "REPORT_SUFFIXES", "find_files", "screen_file", "scan_folder",
           "summary_table", "report_name", "get_scorer"]

#: the files ``scan DIR`` picks up (other files in the folder are skipped, not errors)
SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".markdown")
REPORT_SUFFIXES = {"md": ".md", "json": ".json", "csv": ".csv", "html": ".html"}

_scorer = None  # the worker's scorer, loaded once per process


def get_scorer(model_dir: str | None = None):
    """The process's scorer (rules + active model, or ``model_dir``), loaded on first use."""
    global _scorer
    if _scorer is None:
        from screener.findings import _import_model_format_first

        _import_model_format_first()  # before spaCy: see there
        from screener.classifier.scorer import load_default_scorer

        _scorer = load_default_scorer(model_dir, quiet=True) if model_dir else load_default_scorer(quiet=True)
    return _scorer


def find_files(folder: str | Path) -> list[Path]:
    """Every supported file under ``folder`` (recursively; hidden files and folders skipped),
    sorted by path."""
    root = Path(folder)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in filenames:
            if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED_SUFFIXES:
                out.append(Path(dirpath) / f)
    return sorted(out)


def report_name(path: str | Path, root: str | Path | None, fmt: str) -> str:
    """The report's file name: the path under ``root`` with "/" as "__", plus the format's
    suffix ("decrees/49.pdf" -> "decrees__49.pdf.md"); the source suffix is kept so that
    "a.pdf" and "a.docx" do not collide."""
    p = Path(path)
    try:
        rel = p.relative_to(root) if root is not None else Path(p.name)
    except ValueError:
        rel = Path(p.name)
    return "__".join(rel.parts) + REPORT_SUFFIXES[fmt]


def _render(parsed, findings, fmt: str, scorer, min_score: float) -> str:
    from screener import report
    from screener.rules import RULES_VERSION

    if fmt == "json":
        meta = {"rules_version": RULES_VERSION, "min_score": min_score,
                "articles_found": sum(p.kind == "article" for p in parsed.provisions)}
        if getattr(scorer, "version", None):
            meta["model"] = scorer.version
        return report.to_json(parsed, findings, meta)
    if fmt == "csv":
        return report.to_csv(findings)
    if fmt == "html":
        return report.to_html(parsed, findings)
    return report.to_markdown(parsed, findings)


def screen_file(path: str | Path, *, scorer=None, min_score: float = 0.0,
                report_dir: str | Path | None = None, fmt: str = "md",
                root: str | Path | None = None, timings: dict | None = None,
                ocr: bool = True) -> tuple[dict, list]:
    """Screen one file: ``(summary, findings)``.

    ``summary`` is a JSON-able dict: ``file``, ``ok``, ``error`` (one line for the user,
    None when ok), ``pages``, ``provisions`` (units judged), ``findings``, ``high``
    (severity 3), ``flagged`` (units with at least one finding), ``seconds``, ``report`` (the
    report's path when ``report_dir`` is given). ``findings`` are
    :class:`screener.findings.Finding` (empty when the file could not be read).

    ``scorer``: default the process's scorer (:func:`get_scorer`, loaded once). ``timings``:
    a dict to which the seconds of ``ingest``, ``structure``, ``screen`` and ``report`` are
    added. A file that cannot be read never raises: its summary says why.
    """
    from screener import parse_document
    from screener.errors import InputError
    from screener.findings import screen
    from screener.ingest import read

    t0 = time.perf_counter()
    summary: dict = {"file": str(path), "ok": False, "error": None, "pages": None, "provisions": 0,
                     "findings": 0, "high": 0, "flagged": 0, "seconds": 0.0, "report": None}
    findings: list = []
    t = {"ingest": 0.0, "structure": 0.0, "screen": 0.0, "report": 0.0}
    try:
        scorer = scorer if scorer is not None else get_scorer()
        a = time.perf_counter()
        document = read(path, ocr=ocr)
        b = time.perf_counter()
        parsed = parse_document(document)
        c = time.perf_counter()
        findings = screen(parsed, scorer=scorer, min_score=min_score)
        d = time.perf_counter()
        t["ingest"], t["structure"], t["screen"] = b - a, c - b, d - c
        summary.update(pages=document.metadata.pages, provisions=len(parsed.units),
                       findings=len(findings), high=sum(f.severity >= 3 for f in findings),
                       flagged=len({(f.start, f.end) for f in findings}), ok=True)
        if report_dir is not None:
            out = Path(report_dir) / report_name(path, root, fmt)
            out.parent.mkdir(parents=True, exist_ok=True)
            text = _render(parsed, findings, fmt, scorer, min_score)
            with open(out, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            summary["report"] = str(out)
            t["report"] = time.perf_counter() - d
    except InputError as exc:
        summary["error"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop a folder
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        summary["error"] = f"internal error {type(exc).__name__}: {exc}{where}"
        findings = []
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    if timings is not None:
        for k, v in t.items():
            timings[k] = timings.get(k, 0.0) + v
    return summary, findings


# ------------------------------------------------------------------ worker processes
_job: dict = {}


def _init_worker(model_dir: str | None, report_dir: str | None, fmt: str, root: str | None,
                 min_score: float) -> None:
    _job.update(report_dir=report_dir, fmt=fmt, root=root, min_score=min_score)
    get_scorer(model_dir)  # the model, once per worker
    from screener.rules import get_nlp

    get_nlp()


def _work(path: str) -> dict:
    summary, _ = screen_file(path, min_score=_job["min_score"], report_dir=_job["report_dir"],
                             fmt=_job["fmt"], root=_job["root"])
    return summary


def _mp_context():
    import multiprocessing as mp

    # fork: a worker starts from the parent's imports (the parent loads no model); spawn elsewhere
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")


def scan_folder(folder: str | Path, out_dir: str | Path | None, *, jobs: int = 1, fmt: str = "md",
                min_score: float = 0.0, model_dir: str | None = None,
                files: Iterable[str | Path] | None = None,
                progress: Callable[[dict, int, int], None] | None = None) -> list[dict]:
    """Screen every supported file under ``folder`` (or ``files``) with ``jobs`` processes;
    one report per file in ``out_dir`` (None: no reports). Returns the summaries in file
    order; a file that fails has ``ok=False`` and its ``error``, the others go on.
    ``progress(summary, done, total)`` is called as each file finishes."""
    paths = [Path(p) for p in files] if files is not None else find_files(folder)
    root = str(folder) if folder is not None else None
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    rd = str(out_dir) if out_dir is not None else None
    total = len(paths)
    results: dict[int, dict] = {}
    if jobs <= 1 or total <= 1:
        _init_worker(model_dir, rd, fmt, root, min_score)
        for i, p in enumerate(paths):
            results[i] = _work(str(p))
            if progress:
                progress(results[i], len(results), total)
        return [results[i] for i in range(total)]
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=_mp_context(),
                             initializer=_init_worker,
                             initargs=(model_dir, rd, fmt, root, min_score)) as pool:
        futures = {pool.submit(_work, str(p)): i for i, p in enumerate(paths)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory)
                results[i] = {"file": str(paths[i]), "ok": False, "provisions": 0, "findings": 0,
                              "high": 0, "flagged": 0, "pages": None, "seconds": 0.0, "report": None,
                              "error": f"worker failed: {type(exc).__name__}: {exc}"}
            if progress:
                progress(results[i], len(results), total)
    return [results[i] for i in range(total)]


def summary_table(summaries: list[dict], root: str | Path | None = None) -> str:
    """A plain-text table: file, status, pages, provisions, findings, severity 3, seconds."""
    def name(s):
        p = Path(s["file"])
        try:
            return str(p.relative_to(root)) if root is not None else str(p)
        except ValueError:
            return str(p)

    rows = [("file", "status", "pages", "provisions", "findings", "high", "seconds")]
    for s in summaries:
        rows.append((name(s), "ok" if s["ok"] else "ERROR", str(s.get("pages") or "-"),
                     str(s["provisions"]), str(s["findings"]), str(s["high"]), f"{s['seconds']:.2f}"))
    ok = [s for s in summaries if s["ok"]]
    rows.append((f"{len(summaries)} files", f"{len(ok)} ok", str(sum(s.get("pages") or 0 for s in ok)),
                 str(sum(s["provisions"] for s in ok)), str(sum(s["findings"] for s in ok)),
                 str(sum(s["high"] for s in ok)), f"{sum(s['seconds'] for s in summaries):.2f}"))
    width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        cells = [r[0].ljust(width[0]), r[1].ljust(width[1])] + [c.rjust(w) for c, w in zip(r[2:], width[2:])]
        lines.append("  ".join(cells).rstrip())
        if k == 0 or k == len(rows) - 2:
            lines.append("  ".join("-" * w for w in width))
    errors = [s for s in summaries if not s["ok"]]
    for s in errors:
        lines.append(f"error: {name(s)}: {s['error']}")
    return "\n".join(lines)
