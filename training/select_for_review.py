"""Pick real corpus provisions for a second, recall-oriented labelling pass.

A blind check of the first-pass annotation against ../shared/labels/dev.jsonl found it
precise but strict (precision 0.98, recall 0.64): annotators left many routine indicators
unflagged where the guideline's rule 4 says "choose 1 with severity 1". The second pass
re-reads the provisions labelled 0 on which the rules find any candidate trigger.

Usage: python training/select_for_review.py --min-score 0.1 --size 250 -o DIR
Writes DIR/review_NN.jsonl ({"id", "doc_type", "doc_ref", "article_title", "text",
"first_pass_note"}) for labellers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from screener.corpus import adjudicate, load_clauses
from screener.rules import detect_many

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-score", type=float, default=0.1)
    ap.add_argument("--size", type=int, default=250)
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()

    by_ref: dict[str, list[dict]] = {}
    for path in sorted((ROOT / "corpus/real").glob("*.jsonl")):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            by_ref.setdefault(row["ref"], []).append(row)
    labels = {ref: adjudicate(rows) for ref, rows in by_ref.items()}
    negatives = sorted(ref for ref, lab in labels.items() if not lab["flag"])
    clauses = load_clauses(negatives)
    if clauses is None:
        raise SystemExit("../shared/data/clauses.jsonl.gz not found: the texts are needed")
    rows = [clauses[r] for r in negatives if r in clauses]
    judgements = detect_many([(r["text"], r["title"], r["doc_type"]) for r in rows])
    picked = [r for r, j in zip(rows, judgements)
              if j.triggers or max(j.category_scores.values()) >= args.min_score]
    args.out.mkdir(parents=True, exist_ok=True)
    for b in range(0, len(picked), args.size):
        path = args.out / f"review_{b // args.size + 1:02d}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for r in picked[b:b + args.size]:
                fh.write(json.dumps({"id": r["id"], "doc_type": r["doc_type"], "doc_ref": r["doc_ref"],
                                     "article_title": r["title"], "text": r["text"],
                                     "first_pass_note": labels[r["id"]].get("note", "")},
                                    ensure_ascii=False) + "\n")
    print(f"{len(negatives)} provisions labelled 0; {len(picked)} with a rule candidate -> {args.out}")


if __name__ == "__main__":
    main()
