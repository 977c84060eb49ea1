import json
import subprocess
import sys
from pathlib import Path

import pytest

from screener.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "screener/samples/du_thao_nghi_dinh_mau.txt"
SHARED = ROOT.parent / "shared"
PROVISION_KEYS = {"kind", "number", "title", "label", "start", "end", "page_start", "page_end", "parent"}


def test_parse_json_contract(capsys):
    assert main(["parse", str(SAMPLE), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"document", "text", "provisions"}
    assert set(out["document"]) == {"type", "number", "issuer", "date", "title", "is_draft", "pages",
                                    "source_format"}
    assert out["document"]["type"] == "Nghị định" and out["document"]["is_draft"] is True
    text = out["text"]
    kinds = {p["kind"] for p in out["provisions"]}
    assert {"chapter", "article", "clause", "point"} <= kinds
    for i, p in enumerate(out["provisions"]):
        assert set(p) == PROVISION_KEYS
        assert 0 <= p["start"] < p["end"] <= len(text)
        assert p["parent"] is None or p["parent"] < i
    art4 = next(p for p in out["provisions"] if p["label"] == "Điều 4")
    assert text[art4["start"]:].startswith("Điều 4. Điều kiện đối với tổ chức kiểm định")


def test_parse_text_format_lists_the_tree(capsys):
    assert main(["parse", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "điểm d khoản 1 Điều 4" in out
    assert "7 articles" in out


@pytest.mark.parametrize("content,name", [(b"", "empty.pdf"), (b"not a pdf at all", "fake.pdf"),
                                           (b"PK\x03\x04broken", "broken.docx")])
def test_unreadable_file_exits_2_with_one_line(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "screener.cli", "parse", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("screener: ")
    assert "Traceback" not in proc.stderr


def test_missing_file_exits_2(capsys):
    assert main(["parse", "/nonexistent/du_thao.pdf"]) == 2
    assert "screener:" in capsys.readouterr().err


SCANS = SHARED / "data/pdf/scanned"


def _tesseract_missing() -> str | None:
    from screener.ingest import ocr

    try:
        ocr.check_available(ocr.OcrSettings())
    except ocr.OcrUnavailable as exc:
        return str(exc)
    return None


@pytest.mark.skipif(not SCANS.is_dir(), reason="../shared/data/pdf/scanned not present")
def test_scan_without_tesseract_exits_2_with_install_advice(capsys, monkeypatch):
    from screener.ingest import ocr

    monkeypatch.setattr(ocr, "find_tesseract", lambda binary="tesseract": None)
    scan = SCANS / "2450-kgvx.signed.pdf"
    assert main(["parse", str(scan)]) == 2
    err = capsys.readouterr().err
    assert "scan" in err.lower() and "apt-get install tesseract-ocr tesseract-ocr-vie" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not SCANS.is_dir(), reason="../shared/data/pdf/scanned not present")
@pytest.mark.skipif(_tesseract_missing() is not None, reason=f"Tesseract OCR unavailable: {_tesseract_missing()}")
def test_scanned_pdf_is_ocred(capsys):
    scan = SCANS / "2450-kgvx.signed.pdf"  # one page
    assert main(["parse", str(scan), "--format", "json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert set(out["document"]) >= {"type", "number", "issuer", "date", "title", "is_draft", "pages",
                                    "source_format"}
    assert list(out["document"]["ocr"]["pages"]) == ["1"] and out["document"]["pages"] == 1
    assert "Kính gửi" in out["text"]
    assert "OCR 1/1 pages" in captured.err
