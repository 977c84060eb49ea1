"""Command line: ``screener parse``, ``scan`` and ``predict``.

Every failure to read input ends with exit status 2 and one line on stderr that says what
to do; a traceback is a bug.
"""

from __future__ import annotations

import argparse
import json
import sys

from screener.errors import InputError


def _parse_cmd(args: argparse.Namespace) -> int:
    from screener import parse_file

    parsed = parse_file(args.file)
    if args.format == "json":
        json.dump(parsed.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    meta = parsed.document.metadata
    print(f"{meta.type or 'Văn bản'} {meta.number or ''} - {meta.title or ''}".strip())
    print(f"issuer: {meta.issuer}  date: {meta.date}  draft: {meta.is_draft}  "
          f"pages: {meta.pages}  format: {meta.source_format}")
    depth = {}
    for i, p in enumerate(parsed.provisions):
        depth[i] = 0 if p.parent is None else depth[p.parent] + 1
        title = f" {p.title}" if p.title else ""
        pages = f"p.{p.page_start}" + (f"-{p.page_end}" if p.page_end != p.page_start else "")
        print(f"{'  ' * depth[i]}{p.label}{title}  [{p.start}:{p.end}] {pages}")
    print(f"{sum(p.kind == 'article' for p in parsed.provisions)} articles, "
          f"{len(parsed.units)} units to screen")
    return 0


def _scan_cmd(args: argparse.Namespace) -> int:
    from screener import parse_file, report
    from screener.findings import screen
    from screener.rules import RULES_VERSION

    parsed = parse_file(args.file)
    findings = screen(parsed, min_score=args.min_score)
    meta = {"rules_version": RULES_VERSION, "min_score": args.min_score,
            "articles_found": sum(p.kind == "article" for p in parsed.provisions)}
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
    from screener.predict import predict_file

    n = predict_file(args.input, args.output)
    print(f"{n} provisions judged -> {args.output}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="screener", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="read a document and print its metadata and provision tree")
    p.add_argument("file", help="PDF (text layer), DOCX, TXT or Markdown file")
    p.add_argument("--format", choices=("json", "text"), default="text")
    p.set_defaults(func=_parse_cmd)

    p = sub.add_parser("scan", help="screen a document and report the risky provisions")
    p.add_argument("file", help="PDF (text layer), DOCX, TXT or Markdown file")
    p.add_argument("--format", choices=("json", "csv", "md", "html"), default="md")
    p.add_argument("--min-score", type=float, default=0.0, help="drop findings scored below this (0-1)")
    p.add_argument("-o", "--output", help="write the report here instead of stdout")
    p.set_defaults(func=_scan_cmd)

    p = sub.add_parser("predict", help="judge single provisions (JSON Lines in, JSON Lines out)")
    p.add_argument("input", help='JSON Lines, each {"id", "text"[, "article_title", "doc_type"]}')
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=_predict_cmd)
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
