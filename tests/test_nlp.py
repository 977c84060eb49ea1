"""screener.nlp: underthesea segmentation aligned to the text, the spaCy pipeline, save/load."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import random
import subprocess
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from spacy.matcher import Matcher

import screener.nlp as snlp
from screener.nlp import tokenizer as tok_module

REPO = Path(__file__).resolve().parents[1]
LAWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "laws.jsonl.gz"


@pytest.fixture(scope="module")
def nlp():
    return snlp.make_pipeline()


def underthesea_words(text: str) -> list[str]:
    from underthesea import word_tokenize

    return word_tokenize(text)


TEXTS = [
    "Cơ quan nhà nước ban hành quy định.",
    "Uỷ ban nhân dân tỉnh hoà giải; Ủy ban nhân dân tỉnh hòa giải.",
    "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
    unicodedata.normalize("NFD", "Ủy ban nhân dân quyết định việc hoà giải, thuỷ lợi."),
    "Nghị định số 49/2026/NĐ-CP ngày 31/01/2026 của Chính phủ",
    "Theo “quy định” tại khoản 2 Điều 5, mức phạt từ 2.000.000 đồng đến 5.000.000,50 đồng (50%).",
    "a)  Hai   khoảng trắng\tvà tab\n\n\n  dòng trống\r\nCRLF  ",
    "\xa0QUỐC   HỘI   -------\n\xa0\n",
    "Ðiều 5. Ðơn vị (chữ Ð Latin) — 1.1; v.v... ==> http://vbpl.vn/x?id=1 a@b.vn",
    "Tp. Hồ Chí Minh, H'Mông, 43H-0530, 3x4, 10:20:50, ☺ 漢字 ",
    "x\u0300 y\u0323\u0302 combining marks that do not compose, zero\u200bwidth",
    "",
    " ",
    "\n",
    "  \n\t \n ",
    "Điều",
    "một\u2028hai\u2029ba\x0bbốn\x0cnăm\x85sáu",
]


# --- doc.text is the input --------------------------------------------------------------


@pytest.mark.parametrize("text", TEXTS)
def test_doc_text_is_input(nlp, text):
    doc = nlp(text)
    assert doc.text == text
    assert "".join(t.text_with_ws for t in doc) == text
    for t in doc:
        assert t.whitespace_ in ("", " ")
        assert t.text  # no empty tokens


@pytest.mark.parametrize("text", TEXTS)
def test_segment_spans_are_words(text):
    spans = snlp.segment(text)
    prev = 0
    for start, end in spans:
        assert prev <= start < end <= len(text)
        word = text[start:end]
        assert word == word.strip()
        prev = end
    # together the spans cover every non-whitespace character
    covered = set(itertools.chain.from_iterable(range(s, e) for s, e in spans))
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered
    # a word is never cut across a line break
    assert all("\n" not in text[s:e] for s, e in spans)


_FUZZ_PIECES = (
    list("aăâeêioôơuưyđĐA ")
    + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"]
    + list("  \n\t\xa0\r.,;:()“”\"'-/%0123456789ðÐ_\u200b")
    + ["Uỷ", "hoà", "thuỷ", "cơ quan", "nhà nước", "quy định", "NĐ-CP", "v.v...", "Tp."]
    + ["http://a.vn/x", "漢", "\U0001F600", "\u1100", "\u1161", "\u11a8"]
)


def test_random_strings_never_break_alignment(nlp):
    # combining marks after spaces, decomposed Hangul, stray marks, URLs, eth ...
    rng = random.Random(20260131)
    for _ in range(400):
        text = "".join(rng.choice(_FUZZ_PIECES) for _ in range(rng.randint(0, 50)))
        if rng.random() < 0.3:
            text = unicodedata.normalize("NFD", text)
        assert nlp(text).text == text, repr(text)
        prev = 0
        covered = set()
        for start, end in snlp.segment(text):
            assert prev <= start < end <= len(text), repr(text)
            assert not text[start].isspace() and not text[end - 1].isspace(), repr(text)
            covered.update(range(start, end))
            prev = end
        assert all(i in covered for i, c in enumerate(text) if not c.isspace()), repr(text)


def test_whitespace_follows_spacy_conventions(nlp):
    doc = nlp("a  b\n c \n")
    assert [(t.text, t.whitespace_) for t in doc] == [
        ("a", " "),
        (" ", ""),
        ("b", ""),
        ("\n ", ""),
        ("c", " "),
        ("\n", ""),
    ]
    assert [t.text for t in nlp("  x")] == ["  ", "x"]
    assert [t.text for t in nlp(" ")] == [" "]
    assert len(nlp("")) == 0
    assert all(t.is_space for t in nlp("  \n\t \n "))


# --- multi-syllable words ---------------------------------------------------------------


def test_multisyllable_words_are_single_tokens(nlp):
    text = "cơ quan nhà nước"
    doc = nlp(text)
    # exactly underthesea's segmentation ...
    assert [t.text for t in doc] == underthesea_words(text)
    # ... which makes "cơ quan" and "nhà nước" one token each
    assert [t.text for t in doc] == ["cơ quan", "nhà nước"]
    assert [t.whitespace_ for t in doc] == [" ", ""]
    assert doc[0].lower_ == "cơ quan"


def test_words_match_underthesea_on_clean_text(nlp):
    text = "Bộ trưởng Bộ Tài chính quy định chi tiết khoản 2 Điều này."
    assert snlp.words(text) == underthesea_words(text)
    assert [t.text for t in nlp(text)] == underthesea_words(text)


def test_words_are_not_joined_across_lines():
    # one call over the whole text would give "BỘ LUẬT HÌNH SỰ"
    assert snlp.words("BỘ LUẬT\nHÌNH SỰ") == ["BỘ LUẬT", "HÌNH SỰ"]


def test_number_citations_stay_in_one_piece(nlp):
    text = "Nghị định số 49/2026/NĐ-CP ngày 31/01/2026"
    doc = nlp(text)
    joined = "".join(t.text_with_ws for t in doc)
    assert joined == text
    # whatever underthesea does with the slashes, no token straddles the number and "ngày"
    assert any(t.text.endswith("NĐ-CP") for t in doc)
    assert "ngày" in [t.text for t in doc]


def test_old_style_tone_marks_segment_like_new_style():
    old = "Uỷ ban nhân dân tỉnh hoà giải thuỷ lợi"
    new = "Ủy ban nhân dân tỉnh hòa giải thủy lợi"
    assert len(old) == len(new)
    assert snlp.segment(old) == snlp.segment(new)
    assert [old[s:e] for s, e in snlp.segment(old)][-1] == "thuỷ lợi"


def test_nfd_input_aligns_to_the_nfc_segmentation():
    nfc = "Ủy ban nhân dân quyết định việc hòa giải, thủy lợi."
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    nfd_words = [unicodedata.normalize("NFC", nfd[s:e]) for s, e in snlp.segment(nfd)]
    assert nfd_words == snlp.words(nfc)
    assert len(nfd_words) < len(nfc.split())  # there are multi-syllable words


def test_unalignable_output_falls_back_to_whitespace(monkeypatch):
    word_tokenize, normalize, token_map = tok_module._get_backend()

    def rewriting(text, **kwargs):  # a segmenter that rewrites in unforeseen ways
        return ["XYZ" + w.upper() + "!" for w in word_tokenize(text, **kwargs)][:-1] + ["???"]

    monkeypatch.setattr(tok_module, "_backend", (rewriting, normalize, token_map))
    text = "Cơ quan  nhà nước\nban hành quy định."
    spans = snlp.segment(text)
    assert [text[s:e] for s, e in spans] == text.split()
    doc = snlp.ScreenerTokenizer(snlp.make_pipeline().vocab)(text)
    assert doc.text == text


def test_partially_rewritten_output_keeps_the_rest(monkeypatch):
    word_tokenize, normalize, token_map = tok_module._get_backend()

    def one_rewrite(text, **kwargs):
        return ["???" if w == "nhà nước" else w for w in word_tokenize(text, **kwargs)]

    monkeypatch.setattr(tok_module, "_backend", (one_rewrite, normalize, token_map))
    text = "Cơ quan nhà nước ban hành quy định."
    assert snlp.words(text) == ["Cơ quan", "nhà", "nước", "ban hành", "quy định", "."]


def test_segmenter_errors_do_not_propagate(monkeypatch):
    _, normalize, token_map = tok_module._get_backend()

    def broken(text, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tok_module, "_backend", (broken, normalize, token_map))
    text = "Cơ quan  nhà nước\n"
    assert snlp.words(text) == ["Cơ", "quan", "nhà", "nước"]


def test_segmented_text():
    text = "Cơ quan nhà nước\nban hành  quy định."
    assert snlp.segmented_text(text) == "Cơ_quan nhà_nước ban_hành quy_định ."
    spans = snlp.segment(text)
    assert snlp.segmented_text(text, spans) == snlp.segmented_text(text)
    assert snlp.segmented_text("QUỐC   HỘI") == "QUỐC_HỘI"
    assert snlp.segmented_text("") == ""
    assert snlp.segmented_text(" \n ") == ""


# --- token attributes -------------------------------------------------------------------


def test_norm_unifies_spelling_but_lower_is_as_written(nlp):
    (uy,) = nlp("Uỷ")
    assert uy.lower_ == "uỷ" and uy.norm_ == "ủy"
    (ndf,) = nlp(unicodedata.normalize("NFD", "Hoà"))
    assert ndf.norm_ == "hòa"
    (ed,) = nlp("Ðiều")  # Latin capital eth, as in some PDFs
    assert ed.norm_ == "điều"
    (qh,) = nlp("QUỐC   HỘI")
    assert qh.lower_ == "quốc   hội" and qh.norm_ == "quốc hội"
    doc = nlp("hoà giải. HOÀ GIẢI; " + unicodedata.normalize("NFD", "hoà") + " hòa")
    matcher = Matcher(nlp.vocab)
    matcher.add("HOA", [[{"NORM": {"IN": ["hòa", "hòa giải"]}}]])
    assert len(matcher(doc)) == 4


def test_punct_and_numbers(nlp):
    doc = nlp("Theo “quy định” tại khoản 2, mức 2.000.000 đồng; hai lần (50%).")
    get = {t.text: t for t in doc}
    for p in ["“", "”", ",", ";", "(", ")", "."]:
        assert get[p].is_punct, p
    assert get["2"].like_num and get["2.000.000"].like_num and get["hai"].like_num
    assert not get["đồng"].like_num
    assert doc.lang_ == "vi"


# --- provisions -------------------------------------------------------------------------


@dataclass
class Prov:
    start: int
    end: int
    kind: str
    label: str


LAW = (
    "Điều 5. Phạm vi điều chỉnh\n"
    "1. Cơ quan nhà nước ban hành quy định.\n"
    "2. Khoản hai gồm:\n"
    "a) điểm a;\n"
    "b) điểm b.\n"
)


def _provisions(text):
    art_end = len(text) - 1
    k1 = text.index("1. Cơ")
    k2 = text.index("2. Khoản")
    pa = text.index("a) điểm")
    pb = text.index("b) điểm")
    return [
        {"start": 0, "end": art_end, "kind": "article", "label": "Điều 5"},
        Prov(k2, art_end, "clause", "khoản 2 Điều 5"),
        {"start": k1, "end": k2 - 1, "kind": "clause", "label": "khoản 1 Điều 5"},
        Prov(pa, pb - 1, "point", "điểm a khoản 2 Điều 5"),
        Prov(pb, art_end, "point", "điểm b khoản 2 Điều 5"),
    ]


def test_provisions_component_builds_span_group(nlp):
    provisions = _provisions(LAW)
    doc = snlp.to_doc(LAW, provisions, nlp=nlp)
    assert doc.text == LAW
    group = doc.spans["provisions"]
    got = [(s.label_, s._.citation, s.start_char, s.end_char) for s in group]
    assert got == [
        ("article", "Điều 5", 0, len(LAW) - 1),
        ("clause", "khoản 1 Điều 5", LAW.index("1. Cơ"), LAW.index("\n2. Khoản")),
        ("clause", "khoản 2 Điều 5", LAW.index("2. Khoản"), len(LAW) - 1),
        ("point", "điểm a khoản 2 Điều 5", LAW.index("a) điểm"), LAW.index("\nb) điểm")),
        ("point", "điểm b khoản 2 Điều 5", LAW.index("b) điểm"), len(LAW) - 1),
    ]
    assert group[3].text == "a) điểm a;"
    assert doc.spans["provisions"][0].id_ == "Điều 5"


def test_provisions_expand_to_token_boundaries_and_skip_bad_ones(nlp):
    text = "Cơ quan nhà nước ban hành quy định."
    provisions = [
        {"start": 1, "end": 12, "kind": "x", "label": "inside words"},  # "ơ quan nhà "
        {"start": 5, "end": 5, "kind": "empty", "label": "empty"},
        {"start": 30, "end": 999, "kind": "tail", "label": "past the end"},
        {"start": 500, "end": 600, "kind": "out", "label": "outside"},
        {"start": 20, "end": 25, "kind": "same", "label": "one"},
        {"start": 20, "end": 25, "kind": "same", "label": "two"},
    ]
    doc = snlp.to_doc(text, provisions, nlp=nlp)
    got = [(s.label_, s._.citation, s.text) for s in doc.spans["provisions"]]
    assert got == [
        ("x", "inside words", "Cơ quan nhà nước"),
        ("same", "one", "ban hành"),
        ("same", "two", "ban hành"),
        ("tail", "past the end", "quy định."),
    ]


def test_no_provisions_gives_empty_group(nlp):
    doc = nlp("Điều 1. Không có gì.")
    assert len(doc.spans["provisions"]) == 0
    assert len(snlp.to_doc("", []).spans["provisions"]) == 0


def test_get_pipeline_is_a_singleton():
    assert snlp.get_pipeline() is snlp.get_pipeline()
    assert snlp.get_pipeline().pipe_names == ["screener_provisions"]


# --- save / load ------------------------------------------------------------------------

ROUND_TRIP_TEXT = "Uỷ ban  nhân dân tỉnh ban hành\nQuyết định số 49/2026/NĐ-CP “hoà giải”.\n\n"


def _describe(doc):
    return [[t.text, t.whitespace_, t.norm_] for t in doc]


def test_save_and_load_in_fresh_process(nlp, tmp_path):
    path = tmp_path / "screener_vi"
    nlp.to_disk(path)
    script = textwrap.dedent(
        """
        import json, sys
        import screener.nlp
        import spacy
        nlp = spacy.load(sys.argv[1])
        text = sys.argv[2]
        doc = screener.nlp.to_doc(text, [{"start": 0, "end": 6, "kind": "k", "label": "L"}], nlp=nlp)
        print(json.dumps({
            "lang": nlp.lang,
            "pipe_names": nlp.pipe_names,
            "same_text": doc.text == text,
            "tokens": [[t.text, t.whitespace_, t.norm_] for t in doc],
            "provisions": [[s.label_, s._.citation, s.text] for s in doc.spans["provisions"]],
        }))
        """
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path), ROUND_TRIP_TEXT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["lang"] == "vi"
    assert out["pipe_names"] == ["screener_provisions"]
    assert out["same_text"]
    assert out["tokens"] == _describe(nlp(ROUND_TRIP_TEXT))
    here = snlp.to_doc(ROUND_TRIP_TEXT, [{"start": 0, "end": 6, "kind": "k", "label": "L"}], nlp=nlp)
    assert out["provisions"] == [[s.label_, s._.citation, s.text] for s in here.spans["provisions"]]
    assert out["provisions"][0][2].startswith("Uỷ ban")


def test_saved_pipeline_loads_without_importing_screener(nlp, tmp_path):
    """The package's spaCy entry points register the tokenizer and the component."""
    path = tmp_path / "screener_vi"
    nlp.to_disk(path)
    script = "import spacy, sys; print([t.text for t in spacy.load(sys.argv[1])(sys.argv[2])])"
    proc = subprocess.run([sys.executable, "-c", script, str(path), "Cơ quan nhà nước ban hành."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str([t.text for t in nlp("Cơ quan nhà nước ban hành.")])


def test_config_names_the_registered_tokenizer(nlp):
    assert nlp.config["nlp"]["tokenizer"] == {"@tokenizers": snlp.TOKENIZER_NAME}
    assert nlp.config["components"]["screener_provisions"]["factory"] == "screener_provisions"


def test_bytes_round_trip_in_process(nlp):
    import spacy

    nlp2 = spacy.util.get_lang_class("vi").from_config(nlp.config)
    nlp2.from_bytes(nlp.to_bytes())
    assert _describe(nlp2(ROUND_TRIP_TEXT)) == _describe(nlp(ROUND_TRIP_TEXT))


# --- real laws ----------------------------------------------------------------------------


def _first_laws(n):
    if not LAWS.exists():
        pytest.skip(f"{LAWS} not present (shared data set of laws); nothing to check")
    out = []
    with gzip.open(LAWS, "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, n):
            out.append(json.loads(line))
    return out


def test_real_laws_text_is_preserved(nlp):
    laws = _first_laws(3)
    assert laws
    for law in laws:
        text = law["text"]
        doc = nlp(text)
        assert doc.text == text, law["doc_id"]
        assert len(doc) > 0
        assert any(" " in t.text for t in doc), "multi-syllable words expected"
    # span invariants on the shortest of them
    text = min((law["text"] for law in laws), key=len)
    prev = 0
    for start, end in snlp.segment(text):
        assert prev <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        prev = end
