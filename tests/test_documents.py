"""Issue 2's bars on the real documents in ../shared/data (see benchmarks/documents.py)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data not present (it sits beside the repo)")


def _bench():
    spec = importlib.util.spec_from_file_location("documents_bench", ROOT / "benchmarks/documents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DOCS = sorted((DATA / "pdf/text").glob("*.pdf")) + sorted((DATA / "docx").glob("*.docx"))
DRAFTS = sorted((DATA / "drafts").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_text_pdfs_and_docx(path):
    r = _bench().check_document(path)
    assert r["found"] == r["expected"]
    assert r["page_numbers"] == 0 and r["headers"] == 0
    assert r["cuts"] == 0, r["cut_examples"]


@pytest.mark.parametrize("path", DRAFTS, ids=lambda p: p.name)
def test_ocr_drafts(path):
    r = _bench().check_draft(path)
    assert r["expected"] > 0 and r["found"] == r["expected"], r["missing"]
    assert r["markers_left"] == 0 and r["front_matter_left"] == 0 and r["page_numbers"] == 0
    if r["page_breaks"]:
        assert r["pages_mapped"] == r["page_breaks"]
    assert r["cuts"] == 0, r["cut_examples"]


def test_reference_count_needs_an_unbroken_run():
    bench = _bench()
    assert bench.reference_article_count("Điều 1. A\nĐiều 2. B\nĐiều 3. C") == 3
    assert bench.reference_article_count("Điều 1. A\nĐiều 3. C") == 2
    assert bench.cut_sentences("1. Một câu bị\ncắt ngang.\n2. Khoản mới.") == ["'1. Một câu bị' / 'cắt ngang.'"]
