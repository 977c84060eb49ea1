"""Hostile and bad input: every case of ``benchmarks/hostile.py`` gives a clear InputError (or
reads), in the library, the CLI (English, exit 2, no traceback) and the app (Vietnamese)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from screener import app_logic as L
from screener import limits as limits_mod
from screener import parse_file
from screener.errors import InputError, LimitExceededError
from screener.findings import rules_scorer, screen
from screener.report import to_html, to_markdown
from support import hostile as H

HAS_TESSERACT = shutil.which("tesseract") is not None


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, {c.name: c for c in H.make_cases(folder, big=False)}


def _case_names() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return [c.name for c in H.make_cases(Path(d), big=False)]


CASE_NAMES = _case_names()


@pytest.mark.parametrize("name", CASE_NAMES)
def test_library_gives_input_error_or_reads(name, cases, monkeypatch):
    folder, by_name = cases
    case = by_name[name]
    if case.slow and not HAS_TESSERACT:
        pytest.skip("needs Tesseract (OCR)")
    for var in limits_mod.ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    path = folder / case.file
    if case.expect == "ok":
        parsed = parse_file(path)
        assert parsed.text.strip()
        assert parsed.units, "something is screened"
        for p in parsed.provisions:
            assert 0 <= p.start <= p.end <= len(parsed.text)
        if case.says:
            import re

            assert re.search(case.says, " ".join(parsed.notices + parsed.document.ocr_warnings), re.I | re.S)
        return
    with pytest.raises(InputError) as info:
        parse_file(path)
    exc = info.value
    msg = str(exc)
    assert case.file in msg or "no such file" in msg
    if case.code:
        assert exc.code == case.code, msg
    import re

    assert re.search(case.says, msg, re.I | re.S), msg
    vi = L.error_message_vi(exc, case.file)
    assert vi.startswith(case.file) and vi != f"{case.file}: {L.UNEXPECTED_VI}"
    assert "Traceback" not in vi


CLI_CASES = ["empty file", "truncated PDF", "password-protected PDF", "PDF with 5000 pages",
             "PDF stream bomb (400 MB of spaces)", "DOCX zip bomb (1 GB document.xml)",
             "DOCX with macros (.docm)", "Excel workbook renamed .docx", "TCVN3 (ABC) text",
             "English text, no legal structure", "file over SCREENER_MAX_FILE_MB=1"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_exit_status_and_one_english_message(name, cases):
    folder, by_name = cases
    case = by_name[name]
    env = {k: v for k, v in os.environ.items() if k not in limits_mod.ENV_VARS}
    env.update(case.env)
    proc = subprocess.run([sys.executable, "-m", "screener.cli", "parse", str(folder / case.file)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in proc.stderr
    if case.expect == "ok":
        assert proc.returncode == 0, proc.stderr
    else:
        assert proc.returncode == 2
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("screener: "), proc.stderr
    import re

    assert re.search(case.says, proc.stderr, re.I | re.S), proc.stderr


def test_cli_help_shows_the_limits():
    proc = subprocess.run([sys.executable, "-m", "screener.cli", "parse", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert "SCREENER_MAX_FILE_MB" in proc.stdout and "500 pages" in proc.stdout


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCREENER_MAX_PAGES", "7")
    monkeypatch.setenv("SCREENER_MAX_FILE_MB", "nonsense")
    monkeypatch.setenv("SCREENER_MAX_CHARS", "-3")
    lim = limits_mod.current()
    assert lim.max_pages == 7 and lim.max_file_mb == 50 and lim.max_chars == 3_000_000
    assert "7 pages" in limits_mod.describe(lim)


def test_time_limit_is_checked_between_pages(monkeypatch):
    monkeypatch.setenv("SCREENER_MAX_SECONDS", "0.000001")
    with pytest.raises(LimitExceededError) as info:
        parse_file(H.many_pages_pdf(50), name="slow.pdf")
    assert info.value.limit == "time" and "SCREENER_MAX_SECONDS" in str(info.value)
    assert "giây" in L.error_message_vi(info.value)


def test_page_limit_is_checked_before_extraction(monkeypatch):
    """A PDF of many pages is refused from its page count, before any text is extracted."""
    import pypdf

    calls = []
    original = pypdf.PageObject.extract_text
    monkeypatch.setattr(pypdf.PageObject, "extract_text",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    monkeypatch.setenv("SCREENER_MAX_PAGES", "10")
    with pytest.raises(LimitExceededError, match="11 pages; the limit is 10"):
        parse_file(H.many_pages_pdf(11), name="p.pdf")
    assert not calls


def test_docx_bomb_is_refused_from_the_zip_directory(monkeypatch):
    """The ZIP directory says how much it would inflate: refused before python-docx opens it."""
    import docx

    monkeypatch.setattr(docx, "Document", lambda *a, **k: pytest.fail("python-docx must not be called"))
    with pytest.raises(LimitExceededError, match="ZIP bomb") as info:
        parse_file(H.docx_bomb(210), name="b.docx")
    assert info.value.limit == "unzipped"
    assert "bom nén" in L.error_message_vi(info.value)


def test_legacy_encodings_are_converted():
    law = "\n".join(H.LAW)
    for data, enc in ((H.to_tcvn3(law).encode("latin-1"), "TCVN3"), (H.to_vni(law).encode("cp1252"), "VNI"),
                      (H.to_tcvn3(law).encode("utf-8"), "TCVN3")):
        parsed = parse_file(data, name="legacy.txt")
        assert "Điều 1. Phạm vi điều chỉnh" in parsed.text
        assert "quyết định" in parsed.text and "Bộ trưởng quy định chi tiết" in parsed.text.replace("bộ", "Bộ")
        assert [p.label for p in parsed.provisions if p.kind == "article"] == ["Điều 1", "Điều 2"]
        assert any(enc in n for n in parsed.notices)
        assert any("bảng mã cũ" in n for n in parsed.notices_vi)
    pdf = parse_file(H.make_pdf([[H.to_tcvn3(x) for x in H.LAW]]), name="legacy.pdf")
    assert "Điều 1. Phạm vi điều chỉnh" in pdf.text and "TCVN3" in " ".join(pdf.notices)


def test_unicode_french_and_english_are_not_taken_for_legacy_text():
    for text in ("Điều 1. Phạm vi điều chỉnh\nNghị định này quy định về quản lý.",
                 "Ça va très bien, déjà vu, à la française; où est la gare? Noël, über, Ärger, façade.",
                 "Plain English text only."):
        parsed = parse_file(text.encode("utf-8"), name="u.txt")
        assert not any("legacy" in n for n in parsed.notices)


def test_no_structure_falls_back_to_paragraphs_everywhere():
    text = ("MEMORANDUM\nThe agency may, at its sole discretion, grant licences to the enterprises it "
            "selects.\nCơ quan có thẩm quyền có quyền quyết định các trường hợp khác theo quy định.\n")
    parsed = parse_file(text.encode("utf-8"), name="memo.txt")
    assert parsed.provisions == [] or not parsed.has_articles
    assert [u.kind for u in parsed.units] == ["paragraph"] * 3
    assert [u.label for u in parsed.units] == ["đoạn 1", "đoạn 2", "đoạn 3"]
    for u in parsed.units:
        assert parsed.text[u.start:u.end].strip() == parsed.text[u.start:u.end]
    assert any("no articles" in n for n in parsed.notices)
    findings = screen(parsed, scorer=rules_scorer)  # screened: no error, paragraphs judged
    assert all(f.label.startswith("đoạn") for f in findings)
    md, html = to_markdown(parsed, findings), to_html(parsed, findings)
    assert "Không tìm thấy điều" in md and "Không tìm thấy điều" in html
    assert L.notices_vi(parsed) and "từng đoạn" in L.notices_vi(parsed)[0]


def test_a_law_is_not_screened_by_paragraph():
    parsed = parse_file("\n".join(H.LAW).encode("utf-8"), name="law.txt")
    assert parsed.has_articles and not parsed.notices
    assert {u.kind for u in parsed.units} <= {"article", "clause", "point"}


def test_a_long_line_without_structure_is_cut_into_bounded_paragraphs():
    from screener.structure.units import PARAGRAPH_MAX

    text = ("Lorem ipsum dolor sit amet. " * 2000).strip()
    parsed = parse_file(text.encode(), name="long.txt")
    assert len(parsed.units) > 5
    assert all(u.end - u.start <= PARAGRAPH_MAX for u in parsed.units)
    covered = sum(u.end - u.start for u in parsed.units)
    assert covered >= 0.95 * len(parsed.text)


def test_app_reads_limits_from_settings():
    assert f"{L.MAX_UPLOAD_MB} MB" in L.limits_vi() and "trang" in L.limits_vi()
    assert L.MAX_UPLOAD_MB == limits_mod.Limits().max_file_mb or os.environ.get("SCREENER_MAX_FILE_MB")
    lim = L.app_limits()
    assert lim.max_pages == L.MAX_PAGES and lim.max_file_mb == L.MAX_UPLOAD_MB
