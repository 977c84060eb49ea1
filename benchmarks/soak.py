"""Soak: every real document in ../shared/data read, parsed and screened in ONE process.

Groups: the text PDFs, the scans (OCR; slow, ``--no-ocr`` skips them), the DOCX files, the OCR'd
drafts (Markdown) and the laws of ``laws.jsonl.gz`` (as text files). Reports every error (zero
expected), and the memory: resident set size (RSS, /proc/self/status) at the start, after each
group and at the end, with the peak (VmHWM); also documents, units, findings and seconds per group.

Run: .venv/bin/python benchmarks/soak.py [--no-ocr] [--rules] [--rounds N] [--limit N]

``--rounds 2`` reads everything twice: growth in the second round is what a leak would show.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def _status(key: str) -> float:
    """A /proc/self/status memory figure (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss() -> float:
    return _status("VmRSS")


def peak() -> float:
    return _status("VmHWM")


def groups(no_ocr: bool, limit: int | None) -> list[tuple[str, list[tuple[str, object]]]]:
    """(group, [(name, path or (bytes, name))])."""
    out = []
    pdf = sorted((DATA / "pdf" / "text").glob("*.pdf"))
    out.append(("text PDFs", [(p.name, p) for p in pdf]))
    if not no_ocr:
        scans = sorted((DATA / "pdf" / "scanned").glob("*.pdf"))
        out.append(("scanned PDFs (OCR)", [(p.name, p) for p in scans]))
    out.append(("DOCX", [(p.name, p) for p in sorted((DATA / "docx").glob("*.docx"))]))
    out.append(("drafts (Markdown)", [(p.name, p) for p in sorted((DATA / "drafts").glob("*.md"))]))
    laws = []
    f = DATA / "laws.jsonl.gz"
    if f.is_file():
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                name = f"{row.get('doc_id') or len(laws)}.txt"
                laws.append((name, (row["text"].encode("utf-8"), name)))
    out.append(("laws (laws.jsonl.gz, as text)", laws))
    if limit:
        out = [(g, items[:limit]) for g, items in out]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-ocr", action="store_true", help="skip the scanned PDFs (OCR is slow)")
    ap.add_argument("--rules", action="store_true", help="screen with the rules alone (no model)")
    ap.add_argument("--rounds", type=int, default=1, help="read everything this many times")
    ap.add_argument("--limit", type=int, help="at most this many documents per group")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"{DATA} not found: nothing to soak")
        return 0

    print(f"RSS at start: {rss():.0f} MB")
    from screener import parse_file
    from screener.errors import InputError
    from screener.findings import default_scorer, rules_scorer, screen

    scorer = rules_scorer if args.rules else default_scorer()
    print(f"RSS after loading screener and the scorer ({getattr(scorer, 'version', 'rules')}): {rss():.0f} MB\n")
    errors: list[tuple[str, str, str]] = []
    totals = {"docs": 0, "units": 0, "findings": 0}
    t_all = time.monotonic()
    for rnd in range(1, args.rounds + 1):
        for group, items in groups(args.no_ocr, args.limit):
            t0 = time.monotonic()
            n_units = n_findings = n_ok = 0
            notices = 0
            for name, src in items:
                try:
                    if isinstance(src, tuple):
                        parsed = parse_file(src[0], name=src[1])
                    else:
                        parsed = parse_file(src)
                    findings = screen(parsed, scorer=scorer)
                    n_units += len(parsed.units)
                    n_findings += len(findings)
                    notices += bool(parsed.notices)
                    n_ok += 1
                except InputError as exc:
                    errors.append((group, name, f"InputError({exc.code}): {exc}"))
                except Exception as exc:  # noqa: BLE001 - a bug: counted and shown
                    errors.append((group, name, f"{type(exc).__name__}: {exc}\n"
                                   + "".join(traceback.format_exc(limit=3))))
                del src
            gc.collect()
            dt = time.monotonic() - t0
            totals["docs"] += n_ok
            totals["units"] += n_units
            totals["findings"] += n_findings
            label = f"round {rnd}: {group}" if args.rounds > 1 else group
            print(f"{label:<44} {n_ok:>4}/{len(items):<4} read  {n_units:>7} units  {n_findings:>6} findings  "
                  f"{notices:>3} with a notice  {dt:7.1f} s   RSS {rss():6.0f} MB  peak {peak():6.0f} MB",
                  flush=True)
    print(f"\n{totals['docs']} documents, {totals['units']} units, {totals['findings']} findings in "
          f"{time.monotonic() - t_all:.0f} s; RSS at the end {rss():.0f} MB, peak {peak():.0f} MB")
    print(f"errors: {len(errors)}")
    for group, name, msg in errors:
        print(f"  [{group}] {name}: {msg}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
