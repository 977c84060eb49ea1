"""Folder scanning (``screen_file``, ``scan_folder``, ``screener scan DIR --jobs``) and the speed
changes of issue 7, each checked to give exactly the outputs of the plain code path: the
pre-filtered rule pipeline, features computed once, the fast vectoriser, the one-pass model
load, and the pdfium text layer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from screener import parse_file
from screener.batch import find_files, report_name, scan_folder, screen_file, summary_table
from screener.classifier.features import extract
from screener.rules.fast import rule_docs
from screener.classifier.scorer import current_model_dir
from screener.cli import main
from screener.findings import screen
from screener.rules import detect_many, get_nlp, normalize_for_matching

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "screener/samples/du_thao_nghi_dinh_mau.txt"
SHARED = ROOT.parent / "shared"
PDFS = sorted((SHARED / "data/pdf/text").glob("*.pdf"))
MODEL = current_model_dir()
HAS_MODEL = MODEL is not None and MODEL.exists()


def _items():
    parsed = parse_file(SAMPLE)
    items = [(parsed.text[u.start:u.end], u.article_title, parsed.document.metadata.type)
             for u in parsed.units]
    extra = [
        ("Trong trường hợp cần thiết, Giám đốc Sở có thể quyết định việc khác.", "Điều 9. Thẩm quyền", None),
        ("Cơ quan có thẩm quyền xem xét, quyết định theo quy định của Bộ trưởng.", None, "Thông tư"),
        ("Uỷ ban nhân dân cấp tỉnh được quyền hoà giải", "Điều 3. Giải thích từ ngữ", None),
        ("", None, None),
        ("   \n  ", "Điều 1.", None),
        ("1. Do Bộ trưởng Bộ Tài chính quyết định, không được chậm trễ", None, None),
    ]
    return items + extra


def _spans(doc):
    return {k: [(s.start, s.end, s.label_, s.id_) for s in doc.spans[k]] for k in doc.spans}


def test_rule_docs_are_the_rule_pipeline_docs():
    texts = [normalize_for_matching(t).text for t, _, _ in _items()]
    texts += sorted({normalize_for_matching(ti).text for _, ti, _ in _items() if ti})
    plain = list(get_nlp().pipe(texts))
    fast = list(rule_docs(texts))
    assert [d.text for d in fast] == texts
    assert [_spans(d) for d in fast] == [_spans(d) for d in plain]
    assert any(d.spans["triggers"] for d in fast) and any(d.spans["context"] for d in fast)


def test_extract_judges_like_the_rules_and_segments_once():
    from screener.nlp import segmented_text

    items = _items()
    timings: dict = {}
    F = extract(items, timings=timings)
    assert [j.to_dict() for j in F.judgements] == [j.to_dict() for j in detect_many(items)]
    norm = [normalize_for_matching(t).text for t, _, _ in items]
    assert F.words == [segmented_text(n).lower() if n.strip() else "" for n in norm]
    assert F.titles[0] == segmented_text(normalize_for_matching(items[0][1]).text).lower()
    assert set(timings) == {"normalisation", "rules", "tokenization", "features"}
    # the raw rule spans the combined scorer points at are those of a second rule pass
    from screener.classifier.scorer import _raw_spans_for
    from screener.rules import category_ids

    assert len(F.raw_spans) == len(items) and any(F.raw_spans)
    for (text, title, _), raw in zip(items, F.raw_spans):
        for c in category_ids():
            assert raw.get(c, []) == _raw_spans_for(text, title, c)
    assert F.subset([1, 0]).raw_spans == [F.raw_spans[1], F.raw_spans[0]]
    assert (F + F).raw_spans == F.raw_spans + F.raw_spans


@pytest.mark.skipif(not HAS_MODEL, reason="no trained model installed (models/CURRENT)")
def test_fast_vectors_and_scorer_give_the_models_numbers():
    from screener.classifier.scorer import load_default_scorer

    from screener.classifier.model import ScreenerModel, load_model

    scorer = load_default_scorer(MODEL)
    F = extract(_items())
    A = ScreenerModel._sparse(scorer.model, F)  # scikit-learn's transform
    B = scorer.vectors.transform(F)
    assert scorer.model._sparse(F).nnz == B.nnz  # the scorer's model uses FastVectors
    assert A.shape == B.shape and A.dtype == B.dtype
    assert np.array_equal(A.indptr, B.indptr) and np.array_equal(A.indices, B.indices)
    assert np.array_equal(A.data, B.data)
    plain = load_model(MODEL)
    for a, b in zip(plain.predict_proba(F), scorer.predict_proba(F)):
        assert np.array_equal(a, b)


@pytest.mark.skipif(not HAS_MODEL, reason="no trained model installed (models/CURRENT)")
def test_one_pass_load_is_load_model(tmp_path):
    from screener.classifier.model import MODEL_FILE, ModelError, load_model
    from screener.classifier.scorer import load_model_once

    a, b = load_model_once(MODEL), load_model(MODEL)
    F = extract(_items())
    for x, y in zip(a.predict_proba(F), b.predict_proba(F)):
        assert np.array_equal(x, y)
    assert a.thresholds == b.thresholds and a.meta == b.meta
    # a modified file is refused, like load_model
    bad = tmp_path / "m"
    shutil.copytree(MODEL, bad)
    data = bytearray((bad / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bad / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        load_model_once(bad)


def test_one_pass_load_refuses_untrusted_types(tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    from screener.classifier.model import MODEL_FILE, ModelError, file_sha256
    from screener.classifier.scorer import load_model_once

    d = tmp_path / "evil"
    d.mkdir()
    sio.dump({"format": 1, "x": FunctionTransformer(func=json.dumps)}, d / MODEL_FILE)
    (d / "MODEL_CARD.md").write_text(f"- sha256: `{file_sha256(d / MODEL_FILE)}`\n", encoding="utf-8")
    with pytest.raises(ModelError, match="allow-list"):
        load_model_once(d)


def test_screen_file_matches_screen_and_never_raises(tmp_path):
    summary, findings = screen_file(SAMPLE, report_dir=tmp_path, fmt="json")
    parsed = parse_file(SAMPLE)
    expected = screen(parsed)
    assert summary["ok"] and summary["error"] is None
    assert [f.to_dict() for f in findings] == [f.to_dict() for f in expected]
    assert summary["provisions"] == len(parsed.units) and summary["findings"] == len(expected)
    report = json.loads(Path(summary["report"]).read_text(encoding="utf-8"))
    assert len(report["findings"]) == len(expected)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    summary, findings = screen_file(bad)
    assert not summary["ok"] and "not a valid PDF" in summary["error"] and findings == []
    summary, _ = screen_file(tmp_path / "missing.txt")
    assert not summary["ok"] and "no such file" in summary["error"]


def _folder(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(SAMPLE, src / "a.txt")
    shutil.copy(SAMPLE, src / "sub" / "a.md")
    (src / "broken.pdf").write_bytes(b"garbage")
    (src / "notes.xyz").write_text("skipped", encoding="utf-8")
    (src / ".hidden.txt").write_text("skipped", encoding="utf-8")
    return src


def test_find_files_and_report_names(tmp_path):
    src = _folder(tmp_path)
    assert [p.relative_to(src).as_posix() for p in find_files(src)] == ["a.txt", "broken.pdf", "sub/a.md"]
    assert report_name(src / "sub" / "a.md", src, "md") == "sub__a.md.md"
    assert report_name(src / "a.txt", src, "html") == "a.txt.html"


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_folder_reports_each_file_and_errors_are_not_fatal(tmp_path, jobs):
    src = _folder(tmp_path)
    out = tmp_path / "out"
    seen = []
    summaries = scan_folder(src, out, jobs=jobs, progress=lambda s, d, t: seen.append((d, t)))
    assert [Path(s["file"]).name for s in summaries] == ["a.txt", "broken.pdf", "a.md"]
    assert [s["ok"] for s in summaries] == [True, False, True]
    assert summaries[0]["findings"] == summaries[2]["findings"] > 0
    assert sorted(p.name for p in out.iterdir()) == ["a.txt.md", "sub__a.md.md"]
    assert len(seen) == 3 and seen[-1] == (3, 3)
    table = summary_table(summaries, root=src)
    assert "broken.pdf" in table and "ERROR" in table and "3 files" in table


def test_cli_scan_folder(tmp_path, capsys):
    src = _folder(tmp_path)
    out = tmp_path / "reports"
    assert main(["scan", str(src), "-o", str(out), "--jobs", "2", "--format", "csv"]) == 1
    captured = capsys.readouterr()
    assert "a.txt" in captured.out and "sub/a.md" in captured.out and "error: broken.pdf" in captured.out
    assert "2/3 files screened" in captured.err
    assert (out / "a.txt.csv").is_file() and (out / "summary.json").is_file()
    assert len(json.loads((out / "summary.json").read_text(encoding="utf-8"))) == 3
    # a folder needs -o; an empty folder is an input error
    assert main(["scan", str(src)]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["scan", str(empty), "-o", str(out)]) == 2


def test_pdfium_text_layer_returns_none_on_garbage():
    from screener.ingest.pdf_text import extract_pages

    assert extract_pages(b"%PDF-1.4 garbage") is None


@pytest.mark.skipif(not PDFS, reason="../shared/data/pdf/text not present")
def test_pdfium_text_layer_gives_the_same_provisions():
    from pypdf import PdfReader

    from screener.ingest.pdf_text import compare_canonical, extract_pages

    decree = [p for p in PDFS if p.name.startswith("49-")] or PDFS[:1]
    data = decree[0].read_bytes()
    pages = extract_pages(data)
    assert pages is not None and len(pages) == len(PdfReader(decree[0]).pages)
    assert "Điều 1." in "\n".join(pages) and "\r" not in "".join(pages)
    assert "provisions same" in compare_canonical(data, decree[0].name) or \
        compare_canonical(data, decree[0].name) == "same"
