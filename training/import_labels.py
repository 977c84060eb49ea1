"""Store hand labels of real provisions in corpus/real/ by reference, never with the text.

A labeller's file holds {"id", "flag", "categories", "severity", "triggers": [strings],
"note"} for provisions of ../shared/data/clauses.jsonl.gz. Here each trigger string becomes
its character offsets in that provision's text, so the corpus keeps only ids, labels and
offsets; training resolves the text from ../shared.

Usage: python training/import_labels.py LABELS.jsonl --batch BATCH.jsonl --annotator A -o corpus/real/NAME.jsonl
With --drafts the batch ids are "<draft file stem>#<citation label>" of provisions parsed from
../shared/data/drafts/: each is stored as ``draft:<id>`` with the ``text_sha1`` of its text.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from screener.corpus import DRAFT_PREFIX, text_sha1


def to_reference(label: dict, text: str, annotator: str, draft: bool = False) -> dict:
    triggers = []
    for trig in label.get("triggers", []):
        start = text.find(trig)
        if start < 0:
            raise ValueError(f"{label['id']}: trigger {trig!r} is not in the text")
        triggers.append([start, start + len(trig)])
    row = {"ref": DRAFT_PREFIX + label["id"] if draft else label["id"], "flag": int(label["flag"]),
           "categories": label["categories"], "severity": label["severity"], "triggers": triggers,
           "note": label.get("note", ""), "annotator": annotator}
    if draft:
        row["text_sha1"] = text_sha1(text)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", type=Path)
    ap.add_argument("--batch", type=Path, required=True, help="the batch file the labeller read")
    ap.add_argument("--annotator", required=True)
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--drafts", action="store_true", help="the batch holds provisions of ../shared/data/drafts")
    args = ap.parse_args()
    texts = {}
    for line in open(args.batch, encoding="utf-8"):
        row = json.loads(line)
        texts[row["id"]] = row["text"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for line in open(args.labels, encoding="utf-8"):
            label = json.loads(line)
            out.write(json.dumps(to_reference(label, texts[label["id"]], args.annotator, args.drafts),
                                 ensure_ascii=False) + "\n")
            n += 1
    print(f"{args.out}: {n} labels")


if __name__ == "__main__":
    main()
