import importlib.util
from pathlib import Path

import pytest

from screener.document import Document
from screener.structure import parse, units

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

DECREE = """CHÍNH PHỦ
NGHỊ ĐỊNH
Quy định về thử nghiệm
Căn cứ Luật Tổ chức Chính phủ;
Phần thứ nhất
QUY ĐỊNH CHUNG
Chương I
PHẠM VI
Mục 1. ĐỐI TƯỢNG
Điều 1. Phạm vi điều chỉnh
Nghị định này quy định về thử nghiệm.
Điều 2. Điều kiện
Tổ chức phải đáp ứng các điều kiện sau:
1. Điều kiện chung gồm:
a) Có trụ sở;
b) Có nhân lực;
b1) Có thiết bị;
c) Có vốn;
d) Có quy trình;
đ) Có bảo hiểm;
2. Điều 5 của Luật này không áp dụng.
2025. Dòng này là số năm, không phải khoản.
3. Các điều kiện khác.
Chương II
THI HÀNH
Điều 3
Hiệu lực thi hành
Nghị định này có hiệu lực từ ngày ký.
Nơi nhận:
- Lưu: VT.
PHỤ LỤC I
MẪU ĐƠN
Mẫu số 01"""


def _by_label(nodes):
    return {n.label: n for n in nodes}


def test_tree_kinds_numbers_and_labels():
    nodes = parse(DECREE)
    labels = _by_label(nodes)
    assert [n.kind for n in nodes if n.kind in ("part", "chapter", "section")] == \
        ["part", "chapter", "section", "chapter"]
    assert labels["Phần nhất"].title == "QUY ĐỊNH CHUNG"
    assert labels["Chương I"].title == "PHẠM VI"
    assert labels["Mục 1 Chương I"].title == "ĐỐI TƯỢNG"
    assert labels["Điều 2"].title == "Điều kiện"
    # old style: "Điều 3" alone, title on the next line
    assert labels["Điều 3"].title == "Hiệu lực thi hành"
    assert "điểm đ khoản 1 Điều 2" in labels
    assert "điểm b1 khoản 1 Điều 2" in labels
    assert labels["khoản 3 Điều 2"].number == "3"
    # "2025." is text inside khoản 2, not a khoản
    assert not any(n.number == "2025" for n in nodes)
    assert "Phụ lục I" in labels and labels["Phụ lục I"].title == "MẪU ĐƠN"


def test_offsets_nest_and_parents_come_first():
    nodes = parse(DECREE)
    for i, n in enumerate(nodes):
        assert 0 <= n.start <= n.body_start <= n.end <= len(DECREE)
        assert DECREE[n.start:n.end] == DECREE[n.start:n.end].strip()
        if n.parent is not None:
            p = nodes[n.parent]
            assert n.parent < i
            assert p.start <= n.start and n.end <= p.end


def test_closing_block_is_outside_the_last_article():
    nodes = parse(DECREE)
    art3 = _by_label(nodes)["Điều 3"]
    assert DECREE[art3.start:art3.end].endswith("có hiệu lực từ ngày ký.")
    assert "Nơi nhận" not in DECREE[art3.start:art3.end]


def test_units_cover_leaves_without_overlap():
    nodes = parse(DECREE)
    us = units(nodes, DECREE)
    got = [(u.label, DECREE[u.start:u.end]) for u in us]
    assert ("Điều 1", "Nghị định này quy định về thử nghiệm.") in got
    assert ("Điều 2", "Tổ chức phải đáp ứng các điều kiện sau:") in got
    assert ("khoản 1 Điều 2", "1. Điều kiện chung gồm:") in got
    assert ("điểm a khoản 1 Điều 2", "a) Có trụ sở;") in got
    ends = sorted((u.start, u.end) for u in us)
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))
    assert all(u.article_title for u in us)
    assert {u.chapter for u in us} == {"Chương I", "Chương II"}


def test_pages_come_from_the_document():
    page2 = DECREE.index("Điều 2.")
    doc = Document(DECREE, page_starts=[0, page2])
    nodes = parse(DECREE, doc)
    labels = _by_label(nodes)
    assert labels["Điều 1"].page_start == labels["Điều 1"].page_end == 1
    assert labels["Điều 2"].page_start == 2
    assert labels["Chương I"].page_start == 1 and labels["Chương I"].page_end == 2


def test_amended_article_quotes_nest_under_the_amending_point():
    text = """Điều 1. Sửa đổi, bổ sung một số điều của Luật X
1. Sửa đổi, bổ sung Điều 5 như sau:
“Điều 5. Điều kiện cấp phép
1. Tổ chức được cấp phép khi có đủ điều kiện.
2. Bộ trưởng quy định chi tiết.”
2. Bổ sung khoản 3 vào Điều 7 như sau:
“3. Trường hợp đặc biệt do Bộ trưởng quyết định.”.
Điều 2. Hiệu lực thi hành
Luật này có hiệu lực từ ngày 01 tháng 01 năm 2027."""
    nodes = parse(text)
    labels = _by_label(nodes)
    assert [n.number for n in nodes if n.kind == "article" and not n.quoted] == ["1", "2"]
    quoted = labels["Điều 5 (trích tại khoản 1 Điều 1)"]
    assert quoted.quoted and nodes[quoted.parent].label == "khoản 1 Điều 1"
    assert "khoản 2 Điều 5 (trích tại khoản 1 Điều 1)" in labels
    assert "khoản 3 (trích tại khoản 2 Điều 1)" in labels
    assert labels["khoản 2 Điều 1"].end < labels["Điều 2"].start


def test_cross_reference_at_line_start_is_not_an_article():
    text = "Điều 1. Phạm vi\nNội dung.\nĐiều 5 của Luật này được áp dụng.\nĐiều 2. Đối tượng\nNội dung."
    nodes = parse(text)
    assert [n.number for n in nodes if n.kind == "article"] == ["1", "2"]


def test_no_structure_gives_no_provisions():
    assert parse("Một đoạn văn bản không có cấu trúc pháp lý.\nĐoạn thứ hai.") == []
    assert parse("") == []


@pytest.mark.skipif(not (SHARED / "data/structure_gold").is_dir(),
                    reason="../shared/data/structure_gold not present (shared data sits beside the repo)")
def test_gold_codes_bar():
    spec = importlib.util.spec_from_file_location("structure_gold", ROOT / "benchmarks/structure_gold.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.evaluate()["rows"]
    assert len(rows) == 6
    gold = sum(r["gold"] for r in rows)
    exact = sum(r["exact"] for r in rows)
    found = exact + sum(r["by_text"] for r in rows)
    defects = sum(r["gold_defect"] for r in rows)
    assert found / (gold - defects) >= 0.995
    # gold defects are a small, explained share, not a way to hide misses
    assert defects / gold < 0.01
    assert exact / gold > 0.85
