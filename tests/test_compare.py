"""Comparing two versions of one draft."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener import parse_file
from screener.findings import rules_scorer
from screener.compare import ADDED, CHANGED, REMOVED, UNCHANGED, compare_versions, normalize, similarity

HEAD = "CHÍNH PHỦ\nDỰ THẢO\nNGHỊ ĐỊNH\nQuy định về kiểm định\n"
OLD = HEAD + """Điều 1. Phạm vi điều chỉnh
Nghị định này quy định về kiểm định phương tiện đo.
Điều 2. Cấp giấy chứng nhận
1. Tổ chức nộp hồ sơ đề nghị cấp giấy chứng nhận tại Tổng cục.
2. Trong trường hợp cần thiết, Tổng cục có thể yêu cầu tổ chức bổ sung các tài liệu khác có liên quan.
3. Tổ chức kiểm định được để lại 90% số phí kiểm định thu được để trang trải chi phí hoạt động.
Điều 3. Thu hồi
Cơ quan quản lý thu hồi giấy chứng nhận khi tổ chức vi phạm quy định tại Nghị định này.
"""
NEW = HEAD + """Điều 1. Phạm vi điều chỉnh
Nghị định này quy định về kiểm định phương tiện đo.
Điều 2. Cấp giấy chứng nhận
1. Tổ chức nộp hồ sơ đề nghị cấp giấy chứng nhận tại Tổng cục.
2. Tổng cục yêu cầu tổ chức bổ sung hồ sơ trong thời hạn 05 ngày làm việc, nêu rõ tài liệu cần bổ sung.
3. Việc kiểm định phương tiện đo nhóm 2 chỉ được thực hiện tại tổ chức do Bộ Khoa học và Công nghệ chỉ định.
Điều 4. Phí kiểm định
Tổ chức kiểm định được để lại 90% số phí kiểm định thu được để trang trải chi phí hoạt động.
"""


def _parse(text: str, name: str):
    return parse_file(text.encode("utf-8"), name=name)


@pytest.fixture(scope="module")
def comparison():
    return compare_versions(_parse(OLD, "v1.txt"), _parse(NEW, "v2.txt"), scorer=rules_scorer)


def _by_label(comp, label):
    return [c for c in comp.changes if (c.new and c.new.label == label) or (c.old and c.old.label == label)]


def test_normalize_ignores_enumerator_spacing_and_case():
    assert normalize("2.  Trong trường hợp\n cần thiết") == normalize("3. trong trường hợp cần thiết")
    assert normalize("a) Có  uy tín") == "có uy tín"
    assert similarity("1. A b c d", "2. a b c d") == 1.0
    assert 0 < similarity("a b c d", "a b x d") < 1


def test_unchanged_provisions(comparison):
    [c] = _by_label(comparison, "Điều 1")
    assert c.kind == UNCHANGED and c.similarity == 1.0 and not c.risky
    [c] = _by_label(comparison, "khoản 1 Điều 2")
    assert c.kind == UNCHANGED


def test_risk_removed_by_a_rewrite(comparison):
    [c] = _by_label(comparison, "khoản 2 Điều 2")
    assert c.kind == CHANGED and c.old.label == c.new.label
    assert "unbounded_discretion" in c.risks_removed and "unbounded_discretion" not in c.new.categories


def test_moved_provision_is_matched_by_text(comparison):
    """The fee clause moved from khoản 3 Điều 2 to Điều 4: the same risk, not removed and added."""
    moved = [c for c in comparison.changes if c.old and c.new and c.old.label == "khoản 3 Điều 2"]
    assert len(moved) == 1 and moved[0].new.label == "Điều 4" and moved[0].renumbered
    assert moved[0].kind == UNCHANGED and "agency_self_interest" in moved[0].new.categories
    assert moved[0].label == "khoản 3 Điều 2 → Điều 4"


def test_added_and_removed(comparison):
    added = comparison.of_kind(ADDED)
    assert [c.new.label for c in added] == ["khoản 3 Điều 2"]
    assert "designated_provider" in added[0].risks_added
    removed = comparison.of_kind(REMOVED, risky_only=False)
    assert [c.old.label for c in removed] == ["Điều 3"]
    s = comparison.summary()
    assert s["added_risky"] == 1 and s["removed"] == 1 and s["changed_risky"] >= 1
    assert all(c.kind != UNCHANGED and c.risky for c in comparison.risky_changes)


def test_order_follows_the_new_version(comparison):
    labels = [c.new.label for c in comparison.changes if c.new]
    assert labels == [u.label for u in _parse(NEW, "v2.txt").units]
    # the removed Điều 3 comes after what preceded it in the old version
    kinds = [c.kind for c in comparison.changes]
    assert kinds.index(REMOVED) > 0


def test_identical_versions():
    p = _parse(OLD, "v1.txt")
    comp = compare_versions(p, _parse(OLD, "copy.txt"), scorer=rules_scorer)
    assert {c.kind for c in comp.changes} == {UNCHANGED}
    assert comp.risky_changes == []


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "drafts"


@pytest.mark.skipif(not (SHARED / "gtgt_4jan2024_dt_luat_thue.md").exists(),
                    reason="../shared/data/drafts (the real GTGT version pair) is not present")
def test_real_version_pair_gtgt_law():
    old = parse_file(SHARED / "gtgt_4jan2024_dt_luat_thue.md")
    new = parse_file(SHARED / "gtgt_21feb2024_dt_luat_thue.md")
    comp = compare_versions(old, new, scorer=rules_scorer)
    s = comp.summary()
    # every provision of both versions is accounted for exactly once
    assert s["added"] + s["changed"] + s["unchanged"] == len(new.units)
    assert s["removed"] + s["changed"] + s["unchanged"] == len(old.units)
    # most of the law survives between January and February drafts
    assert s["unchanged"] + s["changed"] > 0.8 * len(new.units)
    assert comp.risky_changes
    for c in comp.of_kind(CHANGED):
        assert c.similarity >= 0.35
