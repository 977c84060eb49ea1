"""Command line: ``screener parse``, ``scan``, ``predict``, ``train``, ``evaluate``, ``corpus check`` and ``models``.

Every failure to read input ends with exit status 2 and one line on stderr that says what
to do; a traceback is a bug.
"""

from __future__ import annotations

import argparse
import json
import sys

from screener.errors import InputError


def _ocr_progress(done: int, total: int) -> None:
    """OCR progress on stderr: one line rewritten on a terminal, a line per page otherwise."""
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\rscreener: OCR {done}/{total} pages without a text layer", end=end,
              file=sys.stderr, flush=True)
    elif done:
        print(f"screener: OCR {done}/{total} pages", file=sys.stderr, flush=True)


def _read_file(path: str):
    """``parse_file`` with OCR progress and the pages that could not be read on stderr."""
    from screener import parse_document
    from screener.ingest import read

    document = read(path, progress=_ocr_progress)
    for warning in document.ocr_warnings:
        print(f"screener: warning: {warning}", file=sys.stderr)
    parsed = parse_document(document)
    for notice in parsed.notices:  # legacy encoding converted, no articles found
        print(f"screener: note: {notice}", file=sys.stderr)
    return parsed


def _parse_cmd(args: argparse.Namespace) -> int:
    parsed = _read_file(args.file)
    if args.format == "json":
        json.dump(parsed.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    meta = parsed.document.metadata
    print(f"{meta.type or 'Văn bản'} {meta.number or ''} - {meta.title or ''}".strip())
    print(f"issuer: {meta.issuer}  date: {meta.date}  draft: {meta.is_draft}  "
          f"pages: {meta.pages}  format: {meta.source_format}")
    if parsed.document.ocr_pages:
        print("OCR: " + ", ".join(f"p.{p} {c:.0f}%" if c is not None else f"p.{p}"
                                  for p, c in sorted(parsed.document.ocr_pages.items()))
              + " (mean word confidence)")
    depth = {}
    for i, p in enumerate(parsed.provisions):
        depth[i] = 0 if p.parent is None else depth[p.parent] + 1
        title = f" {p.title}" if p.title else ""
        pages = f"p.{p.page_start}" + (f"-{p.page_end}" if p.page_end != p.page_start else "")
        print(f"{'  ' * depth[i]}{p.label}{title}  [{p.start}:{p.end}] {pages}")
    print(f"{sum(p.kind == 'article' for p in parsed.provisions)} articles, "
          f"{len(parsed.units)} units to screen")
    return 0


def _scan_folder_cmd(args: argparse.Namespace) -> int:
    """``screener scan DIR -o OUTDIR [--jobs N]``: one report per file, a summary table;
    a file that cannot be read is reported in the table, the others are still screened."""
    from pathlib import Path

    from screener.batch import find_files, scan_folder, summary_table

    if not args.output:
        raise InputError(f"screener scan {args.file}: a folder needs -o OUTDIR for its reports")
    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise InputError(f"{args.output} is a file; -o needs a folder when scanning a folder")
    files = find_files(args.file)
    if not files:
        raise InputError(f"{args.file} holds no PDF, DOCX, TXT or Markdown file")
    jobs = max(1, args.jobs)

    def progress(s, done, total):
        status = "ok" if s["ok"] else "error"
        print(f"screener: [{done}/{total}] {s['file']}: {status} ({s['seconds']:.1f} s)",
              file=sys.stderr, flush=True)

    summaries = scan_folder(args.file, args.output, jobs=jobs, fmt=args.format,
                            min_score=args.min_score, files=files, progress=progress)
    table = summary_table(summaries, root=args.file)
    print(table)
    import json as _json

    with open(Path(args.output) / "summary.json", "w", encoding="utf-8") as fh:
        _json.dump(summaries, fh, ensure_ascii=False, indent=1)
    with open(Path(args.output) / "summary.txt", "w", encoding="utf-8") as fh:
        fh.write(table + "\n")
    failed = sum(not s["ok"] for s in summaries)
    print(f"{len(summaries) - failed}/{len(summaries)} files screened -> {args.output}"
          + (f"; {failed} could not be read" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def _scan_cmd(args: argparse.Namespace) -> int:
    from pathlib import Path

    if Path(args.file).is_dir():
        return _scan_folder_cmd(args)
    from screener.findings import default_scorer, screen

    parsed = _read_file(args.file)
    scorer = default_scorer()  # before the report modules: the model format loads faster first
    from screener import report
    from screener.rules import RULES_VERSION

    findings = screen(parsed, scorer=scorer, min_score=args.min_score)
    meta = {"rules_version": RULES_VERSION, "min_score": args.min_score,
            "articles_found": sum(p.kind == "article" for p in parsed.provisions)}
    if getattr(scorer, "version", None):
        meta["model"] = scorer.version
    if args.format == "json":
        out = report.to_json(parsed, findings, meta)
    elif args.format == "csv":
        out = report.to_csv(findings)
    elif args.format == "md":
        out = report.to_markdown(parsed, findings)
    else:
        out = report.to_html(parsed, findings)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.write(out)
        print(f"{len(findings)} findings in {len(parsed.units)} provisions -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


def _predict_cmd(args: argparse.Namespace) -> int:
    from screener.findings import default_scorer
    from screener.predict import predict_file

    n = predict_file(args.input, args.output, scorer=default_scorer())
    print(f"{n} provisions judged -> {args.output}", file=sys.stderr)
    return 0


def _training():
    """``training/train.py`` of the repository checkout (training glue is not packaged)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "training" / "train.py"
    if not path.is_file():
        raise InputError(f"{path} not found: training needs a checkout of the screener repository")
    spec = importlib.util.spec_from_file_location("screener_training_train", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _train_cmd(args: argparse.Namespace) -> int:
    cmd = "screener train" + "".join(f" --corpus {c}" for c in (args.corpus or [])) \
        + (f" --out {args.out}" if args.out else "") + (" --include-dev" if args.include_dev else "")
    return _training().train_command(args.corpus, args.out, args.include_dev, args.promote,
                                     args.holdout, args.tolerance, args.workers, command=cmd)


def _evaluate_cmd(args: argparse.Namespace) -> int:
    return _training().evaluate_command(args.labels, args.model, args.rules, args.json, args.errors)


def _corpus_check_cmd(args: argparse.Namespace) -> int:
    from screener.corpus import DEFAULT_CORPUS, check_files, expand_paths

    files = expand_paths(args.paths or list(DEFAULT_CORPUS))
    missing = [p for p in args.paths if not expand_paths([p])]
    if not files:
        raise InputError("no corpus file found (give JSON Lines files or directories)")
    result = check_files(files)
    for p in missing:
        print(f"{p}:0: no such file", file=sys.stdout)
    for prob in result.problems:
        print(prob)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    status = "OK" if result.ok and not missing else f"{len(result.problems) + len(missing)} problem(s)"
    print(f"{result.files} files, {result.rows} rows: {status}", file=sys.stderr)
    return 0 if result.ok and not missing else 1


def _models_cmd(args: argparse.Namespace) -> int:
    t = _training()
    if args.action == "list":
        return t.list_command()
    if args.action == "rollback":
        return t.rollback_command()
    if not args.name:
        raise InputError("screener models promote NAME: give the model folder name under models/")
    return t.promote_command(args.name, args.holdout, args.tolerance, args.force)


def build_parser() -> argparse.ArgumentParser:
    from screener.limits import describe

    ap = argparse.ArgumentParser(prog="screener", description=__doc__.splitlines()[0],
                                 epilog=describe())
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="read a document and print its metadata and provision tree",
                       epilog=describe())
    p.add_argument("file", help="PDF (scans are OCR'd), DOCX, TXT or Markdown file")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.set_defaults(func=_parse_cmd)

    p = sub.add_parser("scan", help="screen a document (or every document in a folder) and report the risky provisions",
                       epilog=describe())
    p.add_argument("file", metavar="FILE|DIR",
                   help="PDF (scans are OCR'd), DOCX, TXT or Markdown file; or a folder: every such "
                        "file under it is screened, one report each in -o OUTDIR, plus a summary table")
    p.add_argument("--format", choices=("json", "csv", "md", "html"), default="md")
    p.add_argument("--min-score", type=float, default=0.0, help="drop findings scored below this (0-1)")
    p.add_argument("-o", "--output", help="write the report here instead of stdout (a folder: the reports' folder)")
    p.add_argument("-j", "--jobs", type=int, default=1,
                   help="folder: screen N files at once in N processes (each loads the model once)")
    p.set_defaults(func=_scan_cmd)

    p = sub.add_parser("predict", help="judge single provisions (JSON Lines in, JSON Lines out)")
    p.add_argument("input", help='JSON Lines, each {"id", "text"[, "article_title", "doc_type"]}')
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=_predict_cmd)

    p = sub.add_parser("train", help="train the model on the corpus (writes models/NAME)")
    p.add_argument("--corpus", nargs="+", action="extend", metavar="PATH",
                   help="corpus files, directories or globs (default: corpus/real, corpus/synthetic, corpus/reviews)")
    p.add_argument("--out", help="model folder (default models/screener-YYYY.MM.DD)")
    p.add_argument("--include-dev", action="store_true",
                   help="also train on ../shared/labels/dev.jsonl (then dev is not held out)")
    p.add_argument("--promote", action="store_true",
                   help="make it the active model if it is not worse than the active one on --holdout")
    p.add_argument("--holdout", help="held-out labels for --promote (default ../shared/labels/dev.jsonl)")
    p.add_argument("--tolerance", type=float, default=0.005)
    p.add_argument("--workers", type=int, default=None, help="processes for feature extraction")
    p.set_defaults(func=_train_cmd)

    p = sub.add_parser("evaluate", help="measure the active model (or --model, --rules) on labels")
    p.add_argument("labels", help="JSON Lines with text, flag, categories (dev.jsonl format) or a corpus file")
    p.add_argument("--model", help="model folder (default: models/CURRENT)")
    p.add_argument("--rules", action="store_true", help="measure the rules alone")
    p.add_argument("--json", action="store_true")
    p.add_argument("--errors", type=int, default=10, help="worst errors to list")
    p.set_defaults(func=_evaluate_cmd)

    p = sub.add_parser("corpus", help="corpus tools")
    csub = p.add_subparsers(dest="corpus_command", required=True)
    c = csub.add_parser("check", help="validate corpus files (exit 1 and one line per problem)")
    c.add_argument("paths", nargs="*", help="files, directories or globs (default: the whole corpus)")
    c.set_defaults(func=_corpus_check_cmd)

    p = sub.add_parser("models", help="list, promote or roll back trained models")
    p.add_argument("action", choices=("list", "promote", "rollback"))
    p.add_argument("name", nargs="?")
    p.add_argument("--holdout")
    p.add_argument("--tolerance", type=float, default=0.005)
    p.add_argument("--force", action="store_true", help="promote even if worse")
    p.set_defaults(func=_models_cmd)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"screener: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
