"""Screening speed: per stage, end to end, against the tokenizer floor; cold start; PDF
extraction; ``scan --jobs``; peak memory. One command, prints a table:

    .venv/bin/python benchmarks/perf.py              # everything (about 6-8 minutes on 2 cores)
    .venv/bin/python benchmarks/perf.py --laws 20    # the first 20 laws only (quicker)
    .venv/bin/python benchmarks/perf.py --no-jobs    # skip the scan --jobs 1/2 runs

Inputs: the 140 laws of ../shared/data/laws.jsonl.gz (read as .txt documents), every PDF in
../shared/data/pdf/text/ and the bundled sample draft. Without ../shared only the sample is
measured (and the script says so).

Stages (seconds summed over the documents, one process, one core):
  ingest         file -> canonical Document (decoding, NFC, tone marks, layout; PDF: pypdf)
  structure      provision tree and units
  normalisation  the units' text normalised for matching (screener.rules.normalize_for_matching)
  tokenization   underthesea word segmentation of the units (once per unit, titles once)
  rules          rule pipeline (syllable tokenizer + span rulers), judgements, rule features
  features       character/word feature strings
  classifier     vectorisers, logistic regressions, stacking, decisions
  findings       Finding objects (citations, pages, triggers)
The floor is underthesea's ``word_tokenize`` alone over the same canonical text, called per
line as screener's tokenizer calls it (the whole text in one call is also measured, on the
first laws: it is slower, so the per-line figure is the floor).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LAWS = SHARED / "data/laws.jsonl.gz"
PDF_DIR = SHARED / "data/pdf/text"
SAMPLE = ROOT / "screener/samples/du_thao_nghi_dinh_mau.txt"
DECREE = PDF_DIR / "49-2026-ND-CP.pdf"
_SYL = re.compile(r"\w+")
#: the clock of the one-process figures: CPU time of this process by default (other work on
#: the machine does not count), wall time with --wall
clock = time.process_time
STAGES = ("ingest", "structure", "normalisation", "tokenization", "rules", "features",
          "classifier", "findings")

COLD = r"""
import json, sys, time
c = time.process_time
t0 = time.perf_counter(); c0 = c()
import screener.batch, screener.findings, screener.ingest
t1 = time.perf_counter(); c1 = c()
from screener.batch import get_scorer, screen_file
scorer = get_scorer()
t2 = time.perf_counter(); c2 = c()
from screener.rules import get_nlp
from screener.nlp import segment
get_nlp(); segment("khởi động")
t3 = time.perf_counter(); c3 = c()
heavy = sorted(m for m in ("streamlit", "selenium", "docx", "pypdfium2") if m in sys.modules)
out = {"import": t1 - t0, "model": t2 - t1, "warm": t3 - t2, "ready": t3 - t0, "heavy": heavy,
       "cpu_import": c1 - c0, "cpu_model": c2 - c1, "cpu_warm": c3 - c2, "cpu_ready": c3}
if len(sys.argv) > 1:
    t = time.perf_counter(); cc = c()
    s, _ = screen_file(sys.argv[1], scorer=scorer)
    out["first_file"] = time.perf_counter() - t
    out["first_file_cpu"] = c() - cc
    out["first_file_ok"] = s["ok"]
print(json.dumps(out))
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def syllables(text: str) -> int:
    return len(_SYL.findall(text))


def cold_start(arg: str | None = None, runs: int = 2) -> dict:
    """Import + model load + rule pipeline + underthesea model, in a fresh interpreter; the
    best of ``runs`` (the first may pay for a cold disk cache)."""
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd = [sys.executable, "-c", COLD] + ([arg] if arg else [])
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t
        ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru2.ru_utime - ru.ru_utime) + (ru2.ru_stime - ru.ru_stime)
        if res.returncode != 0:
            raise SystemExit(f"cold start failed:\n{res.stderr}")
        out = json.loads(res.stdout.strip().splitlines()[-1])
        out["wall"] = wall  # interpreter start included
        out["cpu"] = cpu  # the whole child, first file included when given
        if best is None or out["wall"] < best["wall"]:
            best = out
    return best


class Runner:
    """Screens documents one by one, summing the seconds of each stage."""

    def __init__(self):
        from screener.batch import get_scorer

        self.scorer = get_scorer()
        self.timings: dict[str, float] = {}
        if hasattr(self.scorer, "timings"):
            self.scorer.timings = self.timings

    def reset(self):
        self.timings.clear()

    def screen_source(self, source, name: str):
        """(parsed, findings, seconds) of one document: file path or bytes."""
        from screener import parse_document
        from screener.findings import screen
        from screener.ingest import read

        t = self.timings
        a = clock()
        document = read(source, name=name)
        b = clock()
        parsed = parse_document(document)
        c = clock()
        before = sum(t.get(k, 0.0) for k in STAGES[2:7])
        findings = screen(parsed, scorer=self.scorer)
        d = clock()
        inside = sum(t.get(k, 0.0) for k in STAGES[2:7]) - before
        t["ingest"] = t.get("ingest", 0.0) + b - a
        t["structure"] = t.get("structure", 0.0) + c - b
        t["findings"] = t.get("findings", 0.0) + (d - c) - inside
        return parsed, findings, d - a


def floor_per_line(texts: list[str]) -> float:
    from screener.nlp.tokenizer import _LINE, _get_backend

    wt = _get_backend()[0]
    t = clock()
    for text in texts:
        for m in _LINE.finditer(text):
            line = m.group()
            if not line.isspace():
                wt(line)
    return clock() - t


def floor_whole(texts: list[str]) -> float:
    from screener.nlp.tokenizer import _get_backend

    wt = _get_backend()[0]
    t = clock()
    for text in texts:
        wt(text)
    return clock() - t


def fmt_rate(n: float, s: float) -> str:
    return f"{n / s:,.0f}" if s > 0 else "-"


def stage_table(title: str, T: dict, total: float, syl: int, prov: int, floor: float | None,
                pages: int | None = None) -> list[str]:
    lines = [title, f"  {'stage':<14}{'seconds':>9}{'share':>8}{'syll/s':>12}{'prov/s':>10}"
             + (f"{'pages/s':>9}" if pages else "") + (f"{'x floor':>9}" if floor else "")]
    for k in STAGES + ("end to end",):
        s = total if k == "end to end" else T.get(k, 0.0)
        lines.append(f"  {k:<14}{s:>9.2f}{100 * s / total if total else 0:>7.0f}%{fmt_rate(syl, s):>12}"
                     f"{fmt_rate(prov, s):>10}" + (f"{fmt_rate(pages, s):>9}" if pages else "")
                     + (f"{s / floor:>9.2f}" if floor else ""))
    return lines


def pdf_extraction(pdfs: list[Path]) -> list[str]:
    """pypdf vs pypdfium2 per page, and whether the canonical text is the same."""
    import io

    from pypdf import PdfReader

    from screener.ingest import pdf_text

    lines = ["PDF text extraction (text-layer PDFs; seconds per page)",
             f"  {'file':<28}{'pages':>6}{'pypdf':>9}{'pdfium':>9}{'speed-up':>9}  canonical text"]
    tot = [0, 0.0, 0.0]
    for p in pdfs:
        data = p.read_bytes()
        t = clock()
        reader = PdfReader(io.BytesIO(data))
        a = [pg.extract_text() or "" for pg in reader.pages]
        t_pypdf = clock() - t
        t = clock()
        pdf_text.extract_pages(data)
        t_pdfium = clock() - t
        same = pdf_text.compare_canonical(data, p.name)
        n = len(a)
        tot[0] += n
        tot[1] += t_pypdf
        tot[2] += t_pdfium
        lines.append(f"  {p.name[:28]:<28}{n:>6}{t_pypdf / n:>9.4f}{t_pdfium / n:>9.4f}"
                     f"{t_pypdf / max(t_pdfium, 1e-9):>8.1f}x  {same}")
    if tot[0]:
        lines.append(f"  {'all':<28}{tot[0]:>6}{tot[1] / tot[0]:>9.4f}{tot[2] / tot[0]:>9.4f}"
                     f"{tot[1] / max(tot[2], 1e-9):>8.1f}x")
    return lines


def jobs_speedup(laws: list[dict], pdfs: list[Path], n_laws: int) -> tuple[list[str], dict]:
    tmp = Path(tempfile.mkdtemp(prefix="screener-perf-"))
    try:
        src = tmp / "in"
        src.mkdir()
        for r in laws[:n_laws]:
            (src / f"{r['doc_id']}.txt").write_text(r["text"], encoding="utf-8")
        for p in pdfs:
            shutil.copy(p, src / p.name)
        shutil.copy(SAMPLE, src / SAMPLE.name)
        res = {}
        for jobs in (1, 2):
            out = tmp / f"out{jobs}"
            t = time.perf_counter()
            # a fresh process per run, as `screener scan DIR --jobs N` would be
            code = ("import sys; from screener.batch import scan_folder; "
                    f"s = scan_folder({str(src)!r}, {str(out)!r}, jobs={jobs}); "
                    "print(sum(x['ok'] for x in s), len(s))")
            ru = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
            ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (ru2.ru_utime - ru.ru_utime) + (ru2.ru_stime - ru.ru_stime)
            res[jobs] = (time.perf_counter() - t, r.stdout.strip(), r.returncode, cpu)
        n_files = len(list(src.iterdir()))
        lines = [f"screener scan DIR --jobs N ({n_files} files: {n_laws} laws, {len(pdfs)} PDFs, the "
                 "sample; wall time of a fresh process, model loading included)"]
        for jobs, (s, out, rc, cpu) in res.items():
            lines.append(f"  --jobs {jobs}: {s:7.1f} s wall, {cpu:7.1f} s CPU (cores used on average "
                         f"{cpu / s:.2f})  files ok/total: {out or rc}"
                         + (f"  speed-up {res[1][0] / s:.2f}x" if jobs > 1 else ""))
        load = os.getloadavg()[0]
        lines.append(f"  (load average now {load:.1f} on {os.cpu_count()} cores: the speed-up is bounded by "
                     "the cores other work leaves free)")
        return lines, {j: {"wall": s, "cpu": c} for j, (s, _, _, c) in res.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laws", type=int, default=None, help="only the first N laws")
    ap.add_argument("--whole-laws", type=int, default=10,
                    help="laws on which word_tokenize over the whole text is measured (slow)")
    ap.add_argument("--jobs-laws", type=int, default=30, help="laws in the scan --jobs folder")
    ap.add_argument("--no-jobs", action="store_true", help="skip the scan --jobs 1/2 runs")
    ap.add_argument("--jobs-only", action="store_true", help="only the scan --jobs 1/2 runs")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--wall", action="store_true",
                    help="wall-clock seconds for the one-process figures (default: CPU seconds)")
    args = ap.parse_args(argv)
    global clock
    if args.wall:
        clock = time.perf_counter
    from screener.classifier import features

    features.timer = clock
    out: list[str] = []
    figures: dict = {}

    def emit(lines):
        for line in lines if isinstance(lines, list) else [lines]:
            print(line, flush=True)
            out.append(line)

    emit(f"Clock: {'wall' if args.wall else 'CPU time of this process'} "
         f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    shared = LAWS.is_file()
    if args.jobs_only:
        if not shared:
            emit(f"NOTE: {SHARED} not found: nothing to scan")
            return 0
        laws = [json.loads(line) for line in gzip.open(LAWS, "rt", encoding="utf-8")]
        emit(jobs_speedup(laws, sorted(PDF_DIR.glob("*.pdf")), args.jobs_laws)[0])
        return 0
    if not shared:
        emit(f"NOTE: {SHARED} not found: the laws, the PDFs and --jobs are skipped; only the "
             "sample draft is measured.")

    # -- cold start, in fresh interpreters (before this process loads anything)
    cs = cold_start(str(DECREE) if DECREE.is_file() else None)
    figures["cold_start"] = cs
    emit(f"Cold start (fresh interpreter, best of 2): ready in {cs['ready']:.2f} s wall, "
         f"{cs['cpu_ready']:.2f} s CPU (interpreter start included: CPU); imports "
         f"{cs['cpu_import']:.2f} s, model {cs['cpu_model']:.2f} s, rule pipeline and underthesea "
         f"{cs['cpu_warm']:.2f} s (CPU); optional modules imported: {', '.join(cs['heavy']) or 'none'}")
    if "first_file" in cs:
        emit(f"  then {DECREE.name} as the first file of that process: {cs['first_file']:.2f} s wall, "
             f"{cs['first_file_cpu']:.2f} s CPU; whole child process {cs['wall']:.2f} s wall")

    runner = Runner()
    base_rss = current_rss_mb()
    emit(f"Model loaded in this process: RSS {base_rss:.0f} MB")

    # -- the sample draft
    runner.reset()
    runner.screen_source(SAMPLE, SAMPLE.name)  # warm-up
    runner.reset()
    parsed, findings, secs = runner.screen_source(SAMPLE, SAMPLE.name)
    emit(f"Sample draft: {len(parsed.units)} provisions, {len(findings)} findings, {secs:.3f} s")

    if not shared:
        emit(f"Peak memory (max RSS): {rss_mb():.0f} MB")
        return 0

    # -- the 140 laws
    laws = [json.loads(line) for line in gzip.open(LAWS, "rt", encoding="utf-8")]
    todo = laws[: args.laws] if args.laws is not None else laws
    if not todo:
        emit("laws skipped (--laws 0)")
    runner.reset()
    texts, n_syl, n_prov, n_find, e2e = [], 0, 0, 0, 0.0
    floor = 0.0
    gc.collect()
    for r in todo:
        parsed, findings, secs = runner.screen_source(r["text"].encode("utf-8"), r["doc_id"] + ".txt")
        # the floor of this document right after it, so that both see the same machine load
        floor += floor_per_line([parsed.text])
        texts.append(parsed.text)
        n_syl += syllables(parsed.text)
        n_prov += len(parsed.units)
        n_find += len(findings)
        e2e += secs
        del parsed, findings
    T = dict(runner.timings)
    peak = rss_mb()
    k = min(args.whole_laws, len(texts))
    whole = floor_whole(texts[:k]) if k else 0.0
    sub = floor_per_line(texts[:k]) if k else 0.0
    if not todo:
        floor = float("nan")
    figures["laws"] = {"n": len(todo), "syllables": n_syl, "provisions": n_prov, "findings": n_find,
                       "end_to_end": e2e, "stages": T, "floor_per_line": floor,
                       "ratio": e2e / floor, "peak_rss_mb": peak,
                       "whole_text_subset": {"laws": k, "whole": whole, "per_line": sub}}
    emit("")
    if todo:
        emit_laws(emit, todo, n_syl, n_prov, n_find, T, e2e, floor, k, whole, sub, peak)

    _rest(args, emit, runner, laws, figures, out)
    return 0


def emit_laws(emit, todo, n_syl, n_prov, n_find, T, e2e, floor, k, whole, sub, peak):
    emit(stage_table(f"{len(todo)} laws: {n_syl:,} syllables, {n_prov:,} provisions judged, "
                     f"{n_find:,} findings", T, e2e, n_syl, n_prov, floor))
    emit(f"  floor: word_tokenize per line over the same canonical text (each document's right "
         f"after it is screened): {floor:.2f} s "
         f"({n_syl / floor:,.0f} syll/s)")
    if k:
        emit(f"         on the first {k} laws, one call over each whole text: {whole:.2f} s vs "
             f"{sub:.2f} s per line -> the floor is per line "
             f"({'faster' if sub <= whole else 'SLOWER'} by {max(whole, sub) / max(min(whole, sub), 1e-9):.1f}x)")
    emit(f"  END TO END / FLOOR = {e2e / floor:.2f}  (target <= 1.5)")
    emit(f"  peak memory (max RSS) while screening the laws: {peak:.0f} MB (target < 1024)")


def _rest(args, emit, runner, laws, figures, out):

    # -- text PDFs
    pdfs = sorted(PDF_DIR.glob("*.pdf"))
    if pdfs:
        runner.reset()
        n_syl = n_prov = n_pages = 0
        e2e = 0.0
        decree = None
        for p in pdfs:
            parsed, findings, secs = runner.screen_source(p, p.name)
            n_syl += syllables(parsed.text)
            n_prov += len(parsed.units)
            n_pages += parsed.document.metadata.pages or 0
            e2e += secs
            if p == DECREE:
                decree = (secs, parsed.document.metadata.pages, len(parsed.units), len(findings))
        T = dict(runner.timings)
        emit("")
        emit(stage_table(f"{len(pdfs)} text PDFs: {n_pages} pages, {n_syl:,} syllables, "
                         f"{n_prov:,} provisions", T, e2e, n_syl, n_prov, None, pages=n_pages))
        if decree:
            t2 = min(runner.screen_source(DECREE, DECREE.name)[2] for _ in range(2))
            figures["decree_seconds"] = t2
            emit(f"  {DECREE.name}: {decree[1]} pages, {decree[2]} provisions, {decree[3]} findings: "
                 f"{t2:.2f} s file to findings, model loaded (target < 3 s)")
        emit("")
        emit(pdf_extraction(pdfs))

    # -- scan --jobs
    if not args.no_jobs:
        emit("")
        lines, res = jobs_speedup(laws, pdfs, args.jobs_laws)
        figures["jobs"] = res
        emit(lines)

    emit("")
    emit(f"Peak memory of this process (max RSS): {rss_mb():.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
