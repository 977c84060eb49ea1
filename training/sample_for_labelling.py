"""Draw batches of real provisions from ../shared/data/clauses.jsonl.gz for hand labelling.

Half of each batch comes from provisions that contain one of the guideline's signal phrases
(so that positives are not too rare to learn from), half is drawn at random (so that the
corpus keeps the real base rate of harmless provisions). Provisions whose text appears in
../shared/labels/dev.jsonl are excluded, so that dev stays a held-out measure.

Usage: python training/sample_for_labelling.py --batches 6 --size 300 --seed 7 -o DIR
Writes DIR/batch_NN.jsonl with {"id", "doc_type", "doc_ref", "article_title", "text"}.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SIGNALS = (
    "cần thiết", "tùy theo", "căn cứ tình hình", "trường hợp đặc biệt", "có quyền", "có thể",
    "xem xét", "quyết định", "phù hợp", "hợp lý", "đáp ứng yêu cầu", "có liên quan", "uy tín",
    "năng lực", "thời hạn", "kịp thời", "do bộ trưởng", "theo quy định của bộ", "danh mục",
    "tiêu chuẩn", "hướng dẫn của", "giấy phép", "cấp phép", "chấp thuận", "phê duyệt",
    "xác nhận", "thẩm định", "đăng ký", "được miễn", "được giảm", "ưu tiên", "ưu đãi",
    "hỗ trợ", "trực thuộc", "chỉ định", "giao nhiệm vụ", "đặt hàng", "độc quyền", "duy nhất",
    "phí", "được để lại", "trích", "đào tạo", "bồi dưỡng", "hội đồng", "công khai", "nội bộ",
    "tạm đình chỉ", "tự chủ", "đồng ý", "công nhận",
)
# The guideline's own signal phrases: a batch drawn from these is rich in positives.
STRONG = (
    "trường hợp cần thiết", "khi cần thiết", "xét thấy cần thiết", "tùy theo tình hình",
    "căn cứ tình hình thực tế", "trường hợp đặc biệt", "có quyền từ chối", "yêu cầu bổ sung",
    "xem xét, quyết định", "có uy tín", "kinh nghiệm phù hợp", "quy mô phù hợp", "đáp ứng yêu cầu",
    "giấy tờ khác có liên quan", "các nội dung khác", "xem xét giải quyết", "xem xét, cho ý kiến",
    "thời hạn hợp lý", "do bộ trưởng", "danh mục do", "tiêu chuẩn do", "các trường hợp khác do",
    "theo hướng dẫn của bộ", "giấy phép", "cấp phép", "đủ điều kiện", "chấp thuận", "phê duyệt",
    "kiểm tra chuyên ngành", "phải đăng ký", "được miễn", "được giảm", "ưu tiên", "được ưu đãi",
    "được hỗ trợ", "trực thuộc", "không phải đấu giá", "chỉ định", "giao trực tiếp", "đặt hàng",
    "độc quyền", "duy nhất", "ủy quyền của nhà sản xuất", "thu phí", "lệ phí", "được để lại",
    "trích lại", "nguồn thu", "do bộ tổ chức", "hội đồng do", "không phải công khai",
    "lưu hành nội bộ", "không chịu trách nhiệm", "tạm đình chỉ",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=6)
    ap.add_argument("--size", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--min-chars", type=int, default=60)
    ap.add_argument("--max-chars", type=int, default=900)
    ap.add_argument("--strong", action="store_true", help="draw the signal half from STRONG phrases")
    ap.add_argument("--signal-share", type=float, default=0.5)
    ap.add_argument("--exclude", type=Path, nargs="*", default=[],
                    help="batch files whose ids are not drawn again")
    ap.add_argument("--prefix", default="batch")
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()

    excluded = {json.loads(line)["id"] for f in args.exclude for line in open(f, encoding="utf-8")}
    phrases = STRONG if args.strong else SIGNALS
    dev_texts = {json.loads(line)["text"] for line in open(SHARED / "labels/dev.jsonl", encoding="utf-8")}
    signal, plain = [], []
    with gzip.open(SHARED / "data/clauses.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            text = r["text"]
            if (not args.min_chars <= len(text) <= args.max_chars or text in dev_texts
                    or r["id"] in excluded):
                continue
            row = {"id": r["id"], "doc_type": r["doc_type"], "doc_ref": r["doc_ref"],
                   "article_title": r["title"], "text": text}
            low = text.lower()
            (signal if any(s in low for s in phrases) else plain).append(row)

    rng = random.Random(args.seed)
    rng.shuffle(signal)
    rng.shuffle(plain)
    everything = signal + plain
    rng.shuffle(everything)
    half = round(args.size * args.signal_share)
    args.out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for b in range(args.batches):
        batch = []
        for pool, want in ((signal, half), (everything, args.size - half)):
            while len(batch) < (half if pool is signal else args.size) and pool:
                row = pool.pop()
                if row["id"] not in taken:
                    taken.add(row["id"])
                    batch.append(row)
        rng.shuffle(batch)
        path = args.out / f"{args.prefix}_{b + 1:02d}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for row in batch:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{path}: {len(batch)} provisions")


if __name__ == "__main__":
    main()
