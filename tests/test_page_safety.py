"""The page is safe: document text with ``<script>``, HTML tags or Markdown is shown as text in the
app (AppTest: every rendered markdown/HTML element) and in the HTML and Markdown reports; XSRF
protection stays on and uploads are capped (``.streamlit/config.toml``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from screener import app_logic as L
from screener import parse_file
from screener.findings import rules_scorer, screen
from screener.report import to_html, to_markdown
from support import hostile as H

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"
LINES = ["CHÍNH PHỦ", "Số: 12/2026/NĐ-CP", "NGHỊ ĐỊNH", f"Quy định về <b>thử</b> **đậm** {SCRIPT}",
         f"Điều 1. Phạm vi <i>điều chỉnh</i> {SCRIPT}",
         f"1. Cơ quan có thẩm quyền quyết định các trường hợp khác {SCRIPT} **đậm** [bấm](javascript:alert(1)) {IMG}.",
         f"2. Bộ trưởng quy định chi tiết {SCRIPT} # tiêu đề `mã` | bảng | {IMG}",
         "Điều 2. Hiệu lực", "Nghị định này có hiệu lực từ ngày ký."]
RAW = ("<script", "<img", "<b>thử", "<i>điều")
#: Markdown of the document that must not be live in a Markdown element (it is text in HTML ones)
RAW_MD = ("](javascript", "**đậm**", "`mã`")


@pytest.fixture(scope="module")
def evil_pdf() -> bytes:
    """A real PDF (text layer) whose text holds a script, HTML tags and Markdown."""
    return H.make_pdf([LINES])


@pytest.fixture(scope="module")
def parsed(evil_pdf):
    p = parse_file(evil_pdf, name="evil.pdf")
    assert SCRIPT in p.text and IMG in p.text and "**đậm**" in p.text, "the PDF carries the hostile text"
    return p


def _no_raw_markup(html: str) -> None:
    # the page's own markup is allowed (<mark>, <div>, <b>, <span>, <style>...); the document's is not
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>thử" not in html and "<i>điều" not in html


def test_html_report_escapes_document_text(parsed):
    findings = screen(parsed, scorer=rules_scorer)
    assert findings, "the hostile text sits in provisions the screener flags"
    assert any(SCRIPT in f.text for f in findings)
    html = to_html(parsed, findings)
    _no_raw_markup(html)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "**đậm**" in html  # Markdown stays as its characters in HTML


def test_markdown_report_escapes_document_text(parsed):
    md = to_markdown(parsed, screen(parsed, scorer=rules_scorer))
    assert "<script" not in md and "<img" not in md and "<b>" not in md.replace("**", "")
    assert "&lt;script&gt;" in md and "\\*\\*đậm\\*\\*" in md


def test_app_helpers_escape_document_text(parsed):
    from screener.review import apply_decisions

    findings = screen(parsed, scorer=rules_scorer)
    items = apply_decisions(findings, [], parsed)
    for html in [L.document_html(parsed, items), L.plain_html(parsed.text)] + \
            [L.finding_html(it) + L.finding_details_html(it) + L.finding_header_html(it, 1) for it in items]:
        _no_raw_markup(html)
    assert "&lt;script&gt;" in L.document_html(parsed, items)
    md = L.md_escape(SCRIPT + " **x** [a](b)")
    assert "<" not in md and "\\*\\*x\\*\\*" in md and "\\[a\\]\\(b\\)" in md


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCREENER_MODEL", str(tmp_path / "no-model"))
    return tmp_path / "data"


def _rendered(at) -> dict[str, list[str]]:
    out = {}
    for kind in ("html", "markdown", "header", "subheader", "title", "caption", "error", "warning", "info",
                 "success"):
        out[kind] = [str(el.value) for el in at.get(kind)]
    return out


def test_app_shows_hostile_pdf_text_as_text(data_dir, evil_pdf, parsed):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.text_input(key="reviewer").input("An").run()
    at.file_uploader(key="uploads").set_value([("evil.pdf", evil_pdf, "application/pdf")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    seen_escaped = False
    for page in ("tong-quan", "phat-hien", "toan-van", "xuat"):
        at.radio(key="page").set_value(page).run()
        assert not at.exception, [e.value for e in at.exception]
        rendered = _rendered(at)
        for kind, values in rendered.items():
            for v in values:
                for raw in RAW + (() if kind == "html" else RAW_MD):
                    assert raw not in v, (page, kind, v[:300])
        html = "\n".join(rendered["html"])
        if "&lt;script&gt;" in html:
            seen_escaped = True
        # the document's text is there, escaped, where the page shows it
        if page == "toan-van":
            assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
            assert "&lt;img src=x onerror=alert(1)&gt;" in html and "**đậm**" in html
        if page == "tong-quan":
            header = at.header[0].value
            assert "&lt;script&gt;" in header and "\\*\\*đậm\\*\\*" in header
    assert seen_escaped


def test_streamlit_config_keeps_xsrf_on_and_caps_uploads():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True
    assert server["maxUploadSize"] == L.MAX_UPLOAD_MB  # MB, the same limit ingest enforces
    # the websocket message cap is bounded too (a document's results are sent through it)
    assert 0 < server.get("maxMessageSize", 200) <= 500
    # an unexpected error never shows the user a traceback
    assert config["client"]["showErrorDetails"] == "none"


def test_streamlit_accepts_the_config_values():
    """The options exist in the installed Streamlit, with these values valid."""
    from streamlit import config as st_config

    for key in ("server.enableXsrfProtection", "server.maxUploadSize", "server.maxMessageSize",
                "client.showErrorDetails"):
        assert key in st_config._config_options_template  # noqa: SLF001
