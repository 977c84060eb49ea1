"""Rule-based detection core (screener.rules): data, offsets, context rules, dev bar."""

from __future__ import annotations

import json
import sys
import unicodedata
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from screener.rules import (  # noqa: E402
    RULES_VERSION,
    Judgement,
    Trigger,
    categories,
    category_ids,
    detect,
    detect_many,
    get_category,
    load_cues,
    load_patterns,
    normalize_tones,
)

DEV = Path(__file__).resolve().parents[2] / "shared" / "labels" / "dev.jsonl"
PATTERN_DIR = resources.files("screener.data").joinpath("patterns")


# ---------------------------------------------------------------- data
def test_taxonomy_has_nine_complete_categories():
    cats = categories()
    assert len(cats) == 9
    assert len({c.id for c in cats}) == 9
    colors = [c.color.lower() for c in cats]
    assert len(set(colors)) == 9
    for c in cats:
        assert c.name_vi and c.name_en and c.definition and c.reviewer_question
        assert c.suggested_fix.startswith("Đề nghị")
        assert c.legal_basis and any("178" in b for b in c.legal_basis)
        assert c.color.startswith("#") and len(c.color) == 7
        assert "{trigger}" in c.reason
    assert get_category("self_delegation").name_vi == "Tự giao quyền quy định"
    with pytest.raises(KeyError):
        get_category("nope")


def test_pattern_files_parse_and_labels_are_taxonomy_ids():
    ids = set(category_ids())
    seen: set[str] = set()
    for cid in ids:
        f = PATTERN_DIR.joinpath(f"{cid}.jsonl")
        assert f.is_file(), f"no pattern file for {cid}"
        rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        assert rows, f"{cid} has no pattern"
        for r in rows:
            assert r["label"] == cid, r
            assert r["id"] not in seen, f"duplicate pattern id {r['id']}"
            seen.add(r["id"])
            assert isinstance(r["pattern"], (str, list))
            assert 0 < r.get("score", 0.5) <= 1
    assert len(seen) == len(load_patterns())
    cue_ids = [c.id for c in load_cues()]
    assert len(cue_ids) == len(set(cue_ids))
    assert RULES_VERSION


def test_every_category_has_a_pattern_that_fires():
    examples = {
        "unbounded_discretion": "Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu tổ chức "
                                "bổ sung các tài liệu khác có liên quan.",
        "vague_criteria": "Cơ sở phải có đội ngũ nhân viên có trình độ phù hợp và trang thiết "
                          "bị đáp ứng yêu cầu.",
        "missing_procedure": "Cơ quan tiếp nhận xem xét, cho ý kiến đối với hồ sơ đề nghị.",
        "self_delegation": "Điều kiện cụ thể đối với tổ chức kinh doanh dịch vụ do Bộ trưởng "
                           "Bộ Công Thương quy định.",
        "licensing_barrier": "Doanh nghiệp phải lập phương án kinh doanh trình Ủy ban nhân dân "
                             "cấp tỉnh phê duyệt trước khi hoạt động.",
        "selective_privilege": "Đơn vị sự nghiệp công lập trực thuộc Bộ được miễn điều kiện "
                               "quy định tại khoản 2 Điều này.",
        "designated_provider": "Việc kiểm định chỉ được thực hiện tại tổ chức do Bộ Giao thông "
                               "vận tải chỉ định.",
        "agency_self_interest": "Người hành nghề phải hoàn thành khóa bồi dưỡng do Trung tâm "
                                "thuộc Bộ tổ chức; mức thu do Bộ trưởng quy định.",
        "weak_accountability": "Cơ quan quản lý có quyền tạm đình chỉ hoạt động của cơ sở vi "
                               "phạm.",
    }
    assert set(examples) == set(category_ids())
    for cid, text in examples.items():
        j = detect(text)
        assert j.flag, (cid, j)
        assert cid in j.categories, (cid, j.categories, j.category_scores)


# ---------------------------------------------------------------- offsets
OFFSET_INPUTS = [
    "Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu tổ chức bổ sung các tài liệu khác.",
    # old tone-mark convention (uỷ, hoà, thuỷ)
    "Uỷ ban nhân dân cấp tỉnh xem xét, quyết định việc hoà giải; phí được để lại 90% cho "
    "đơn vị thu phí thuỷ lợi.",
    # decomposed (NFD) input: offsets must still index the input string
    unicodedata.normalize("NFD", "Trường hợp đặc biệt do Bộ trưởng Bộ Y tế quyết định. "
                                 "Việc kiểm định do tổ chức được Bộ chỉ định thực hiện."),
    unicodedata.normalize("NFD", "Khi xét thấy cần thiết, Chủ tịch Uỷ ban nhân dân có quyền "
                                 "từ chối cấp giấy phép."),
    "  2.\tCơ quan có thẩm quyền  có quyền từ chối\n\ncấp phép  ",
    "Ðiều kiện cụ thể do Bộ trưởng Bộ Công Thương quy định.",  # look-alike Ð (U+00D0)
]


@pytest.mark.parametrize("text", OFFSET_INPUTS)
def test_trigger_offsets_index_the_input(text):
    j = detect(text, article_title="Thẩm quyền của Ủy ban nhân dân")
    assert j.triggers, j
    for t in j.triggers:
        assert isinstance(t, Trigger)
        assert text[t.start:t.end] == t.text
        assert t.category in category_ids()
        assert 1 <= t.severity <= 3


def test_nfd_and_old_tone_marks_give_the_same_judgement():
    text = "Trong trường hợp cần thiết, Chủ tịch Ủy ban nhân dân cấp tỉnh có thể quyết định."
    nfd = unicodedata.normalize("NFD", text.replace("Ủy", "Uỷ"))
    a, b = detect(text), detect(nfd)
    assert a.flag and b.flag
    assert a.categories == b.categories
    assert [t.rule for t in a.triggers] == [t.rule for t in b.triggers]


def test_normalize_tones_is_length_preserving():
    for s in ["hoà", "uỷ ban", "thuỷ sản", "khoẻ", "quý", "hoàn", "thuyết"]:
        out = normalize_tones(s)
        assert len(out) == len(s)
    assert normalize_tones("hoà uỷ thuỷ khoẻ") == "hòa ủy thủy khỏe"
    assert normalize_tones("quý hoàn thuyết") == "quý hoàn thuyết"


# ---------------------------------------------------------------- context rules
def test_discretion_of_an_official_flags():
    j = detect("Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu tổ chức bổ sung các "
               "tài liệu khác có liên quan.")
    assert j.flag and "unbounded_discretion" in j.categories
    assert j.severity and j.severity >= 2
    assert any("cần thiết" in t.text for t in j.triggers)


def test_discretion_of_private_parties_does_not_flag():
    j = detect("Các bên có thể thỏa thuận về thời hạn thanh toán.")
    assert not j.flag
    assert j.categories == [] and j.severity is None and j.triggers == []


def test_routine_delegation_to_the_government_does_not_flag():
    assert not detect("Chính phủ quy định chi tiết Điều này.").flag
    assert not detect("Trình tự, thủ tục cấp giấy phép do Chính phủ quy định.").flag


def test_substantive_delegation_to_a_minister_flags():
    j = detect("Điều kiện cụ thể đối với tổ chức kinh doanh dịch vụ do Bộ trưởng Bộ Công "
               "Thương quy định.")
    assert j.flag and "self_delegation" in j.categories


def test_fee_kept_flags_and_fee_to_budget_does_not():
    kept = detect("Tổ chức thu phí được để lại 90% số tiền phí thu được để trang trải chi phí.",
                  article_title="Quản lý và sử dụng phí")
    assert kept.flag and "agency_self_interest" in kept.categories
    assert kept.severity >= 2
    budget = detect("Tổ chức thu phí nộp toàn bộ số tiền phí thu được vào ngân sách nhà nước.",
                    article_title="Quản lý và sử dụng phí")
    assert "agency_self_interest" not in budget.categories


def test_permit_with_deadline_and_reasons_is_severity_one():
    j = detect("Trong thời hạn 10 ngày làm việc kể từ ngày nhận đủ hồ sơ theo quy định tại "
               "khoản 1 Điều này, Sở Công Thương cấp giấy phép; trường hợp từ chối phải trả "
               "lời bằng văn bản và nêu rõ lý do.", article_title="Cấp giấy phép kinh doanh")
    assert j.flag and "licensing_barrier" in j.categories
    assert j.severity == 1


def test_narrow_group_privilege_is_severity_three():
    j = detect("Đơn vị sự nghiệp công lập trực thuộc Bộ được miễn điều kiện quy định tại "
               "khoản 2 Điều này.")
    assert j.flag and "selective_privilege" in j.categories
    assert j.severity == 3
    assert all(t.severity == 3 for t in j.triggers if t.category == "selective_privilege")


def test_negation_and_bounded_power():
    # a prohibition on officials is not a power
    j = detect("Cơ quan có thẩm quyền không được yêu cầu bổ sung giấy tờ khác ngoài hồ sơ.")
    assert "unbounded_discretion" not in j.categories
    # criteria given in the clause bound the power
    bounded = detect("Giám đốc Sở có quyền từ chối khi hồ sơ thuộc một trong các trường hợp "
                     "quy định tại khoản 2 Điều này.")
    open_ = detect("Giám đốc Sở có quyền từ chối cấp giấy phép.")
    assert bounded.category_scores["unbounded_discretion"] < \
        open_.category_scores["unbounded_discretion"]


def test_definitions_and_crimes_are_damped():
    text = "Cơ quan nhà nước có thẩm quyền xem xét, quyết định trong trường hợp cần thiết."
    plain = detect(text, article_title="Thẩm quyền")
    defn = detect(text, article_title="Giải thích từ ngữ")
    crime = detect(text, article_title="Tội lạm quyền trong khi thi hành công vụ")
    assert plain.score > defn.score > crime.score


def test_judgement_shape():
    j = detect("Việc kiểm định chỉ được thực hiện tại tổ chức do Bộ Giao thông vận tải chỉ định.")
    assert isinstance(j, Judgement)
    assert set(j.category_scores) == set(category_ids())
    assert 0.0 <= j.score <= 1.0 and j.score == max(j.category_scores.values())
    assert all(0.0 <= s <= 1.0 for s in j.category_scores.values())
    assert j.severity in (1, 2, 3)
    assert json.dumps(j.to_dict(), ensure_ascii=False)
    empty = detect("")
    assert not empty.flag and empty.score == 0.0


def test_detect_many_matches_detect():
    items = [
        {"text": "Các bên có thể thỏa thuận về thời hạn thanh toán.", "article_title": "Hợp đồng"},
        ("Việc kiểm định chỉ được thực hiện tại tổ chức do Bộ Y tế chỉ định.", None, "Thông tư"),
        "Chính phủ quy định chi tiết Điều này.",
    ]
    many = detect_many(items)
    assert [j.flag for j in many] == [False, True, False]
    assert many[1].categories == detect(items[1][0]).categories


# ---------------------------------------------------------------- the bar on dev.jsonl
@pytest.fixture(scope="module")
def dev_eval():
    if not DEV.is_file():
        pytest.skip(f"{DEV} not found: shared/ is not beside the repo, no labelled dev set")
    from rules_dev import evaluate, load_dev

    return evaluate(load_dev(DEV))


def test_dev_flag_f1_bar(dev_eval):
    from rules_dev import prf

    p, r, f = prf(*dev_eval["flag"])
    assert f >= 0.70, f"flag F1 on dev {f:.3f} (P {p:.3f}, R {r:.3f}) is below 0.70"


def test_dev_every_category_has_a_true_positive(dev_eval):
    missing = [c for c, (tp, fp, fn) in dev_eval["cat"].items() if tp + fn > 0 and tp == 0]
    assert not missing, f"categories in dev with no true positive: {missing}"
