"""Review decisions -> corpus rows."""

from __future__ import annotations

import pytest

from screener.corpus import check_files, load_examples
from screener.review_export import decisions_to_corpus, review_id, write_reviews

TEXT = "Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu tổ chức bổ sung tài liệu; mức thu do Sở quy định."
OTHER = "Người lao động có quyền nghỉ hằng năm."


def d(decision, category, at, **kw):
    base = {"decision": decision, "text": TEXT, "article_title": "Hồ sơ", "doc_type": "Quyết định",
            "category": category, "new_category": None, "severity": 2,
            "triggers": ["Trong trường hợp cần thiết"], "note": "", "reviewer": "lan",
            "decided_at": at, "document_sha256": "ab" * 32, "model_version": "screener-2026.11.27",
            "label": "khoản 2 Điều 5"}
    base.update(kw)
    return base


def test_aggregates_decisions_per_provision(tmp_path):
    rows = decisions_to_corpus([
        d("confirm", "unbounded_discretion", "2026-11-27T10:00:00Z"),
        d("dismiss", "vague_criteria", "2026-11-27T10:01:00Z"),
        d("change", "self_delegation", "2026-11-27T10:02:00Z", new_category="agency_self_interest",
          triggers=["mức thu do Sở quy định"], severity=3, reviewer="minh"),
        d("add", "missing_procedure", "2026-11-27T10:03:00Z", triggers=["không có ở đây"], severity=None),
        d("dismiss", "missing_procedure", "2026-11-27T10:04:00Z"),  # later decision wins
        d("dismiss", "licensing_barrier", "2026-11-27T09:00:00Z", text=OTHER, triggers=[]),
    ])
    assert len(rows) == 2
    r = next(x for x in rows if x["text"] == TEXT)
    assert r["id"] == review_id(TEXT) and r["source"] == "review"
    assert r["flag"] == 1
    assert r["categories"] == ["agency_self_interest", "unbounded_discretion"] or \
        set(r["categories"]) == {"agency_self_interest", "unbounded_discretion"}
    assert r["severity"] == 3
    assert set(r["triggers"]) == {"Trong trường hợp cần thiết", "mức thu do Sở quy định"}
    assert r["reviewer"] == "lan, minh" and r["decided_at"] == "2026-11-27T10:04:00Z"
    assert r["model_version"] == "screener-2026.11.27" and r["document_sha256"] == "ab" * 32
    assert len(r["decisions"]) == 5
    o = next(x for x in rows if x["text"] == OTHER)
    assert o["flag"] == 0 and o["categories"] == [] and o["severity"] is None and o["triggers"] == []
    # the rows are valid corpus rows and load as training examples
    path = write_reviews([d("confirm", "unbounded_discretion", "2026-11-27T10:00:00Z"),
                          d("dismiss", "vague_criteria", "2026-11-27T10:00:00Z", text=OTHER)],
                         tmp_path, name="r1")
    res = check_files([path])
    assert res.ok, res.problems
    ex = load_examples([path])
    assert {e.source for e in ex} == {"review"} and sorted(e.flag for e in ex) == [0, 1]


def test_flagged_row_without_valid_trigger_gets_the_head():
    rows = decisions_to_corpus([d("add", "unbounded_discretion", "t", triggers=["nowhere"])])
    assert rows[0]["flag"] == 1 and rows[0]["triggers"] and rows[0]["triggers"][0] in TEXT


def test_rejects_bad_decisions():
    with pytest.raises(ValueError, match="unknown decision"):
        decisions_to_corpus([d("maybe", "unbounded_discretion", "t")])
    with pytest.raises(ValueError, match="not a category"):
        decisions_to_corpus([d("confirm", "nope", "t")])
    with pytest.raises(ValueError, match="new_category"):
        decisions_to_corpus([d("change", "unbounded_discretion", "t")])
