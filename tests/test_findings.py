import csv
import io
import json
from pathlib import Path

import pytest

from screener import parse_document, parse_file
from screener.cli import main
from screener.document import Document
from screener.findings import screen
from screener.report import to_csv, to_html, to_json, to_markdown
from screener.rules import category_ids

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "screener/samples/du_thao_nghi_dinh_mau.txt"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def sample():
    parsed = parse_file(SAMPLE)
    return parsed, screen(parsed)


def test_every_finding_is_explainable(sample):
    parsed, findings = sample
    assert findings, "the sample draft holds risky clauses"
    for f in findings:
        assert f.category in category_ids() and 1 <= f.severity <= 3 and 0 <= f.score <= 1
        assert f.label and f.page_start >= 1 and f.reason and f.question and f.suggested_fix
        assert f.path[-1] == f.label and f.path[0].startswith("Chương")
        assert parsed.text[f.start:f.end] == f.text
        assert f.triggers and f.sources
        for t in f.triggers:
            assert parsed.text[t.start:t.end] == t.text
            assert f.start <= t.start < t.end <= f.end


def test_findings_are_ranked_and_the_obvious_risks_are_found(sample):
    _, findings = sample
    assert [f.score for f in findings] == sorted((f.score for f in findings), reverse=True)
    found = {(f.label, f.category) for f in findings}
    assert ("khoản 2 Điều 6", "agency_self_interest") in found  # "được để lại 90% số phí"
    assert ("khoản 1 Điều 6", "designated_provider") in found  # "do Bộ ... chỉ định"
    assert ("khoản 3 Điều 4", "selective_privilege") in found  # units under the ministry exempted
    assert ("điểm d khoản 1 Điều 4", "self_delegation") in found
    assert not any(f.label == "Điều 1" for f in findings)  # scope is not a risk


def test_min_score_filters(sample):
    parsed, findings = sample
    cut = findings[len(findings) // 2].score
    kept = screen(parsed, min_score=cut)
    assert kept and all(f.score >= cut for f in kept) and len(kept) < len(findings)


def test_reports_escape_document_text():
    text = ("Điều 1. Thử <script>alert(1)</script>\n"
            "Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu bổ sung <b>tài liệu</b> khác | *x*.")
    parsed = parse_document(Document(text))
    findings = screen(parsed)
    assert findings
    page = to_html(parsed, findings)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>tài liệu</b>" not in page
    assert "<mark" in page  # triggers are highlighted
    md = to_markdown(parsed, findings)
    assert "<script>" not in md and "\\*x\\*" in md


def test_json_and_csv_reports(sample):
    parsed, findings = sample
    data = json.loads(to_json(parsed, findings, {"rules_version": "x"}))
    assert data["summary"]["findings"] == len(findings) == len(data["findings"])
    assert data["units_screened"] == len(parsed.units)
    assert sum(data["summary"]["by_category"].values()) == len(findings)
    rows = list(csv.DictReader(io.StringIO(to_csv(findings))))
    assert len(rows) == len(findings) and rows[0]["rank"] == "1"


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "html"])
def test_scan_command_writes_each_format(tmp_path, fmt, capsys):
    out = tmp_path / f"report.{fmt}"
    assert main(["scan", str(SAMPLE), "--format", fmt, "-o", str(out)]) == 0
    body = out.read_text(encoding="utf-8")
    assert "Điều 6" in body or "khoản 2 Điều 6" in body
    assert "findings" in capsys.readouterr().err


def test_predict_interface(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"id": "a", "text": "Điều kiện cụ thể đối với tổ chức kinh doanh dịch vụ do Bộ trưởng Bộ Công Thương quy định."},
            {"id": 2, "text": "Các bên có thể thỏa thuận về thời hạn thanh toán.", "article_title": "Hợp đồng"}]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    dst = tmp_path / "out.jsonl"
    assert main(["predict", str(src), "-o", str(dst)]) == 0
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["a", 2]
    for o, r in zip(out, rows):
        assert set(o) == {"id", "flag", "score", "severity", "categories", "category_scores", "triggers"}
        assert set(o["category_scores"]) == set(category_ids())
        assert (o["severity"] is None) == (o["flag"] == 0)
        for t in o["triggers"]:
            assert set(t) == {"text", "start", "end", "category", "rule"}
            assert r["text"][t["start"]:t["end"]] == t["text"]
    assert out[0]["flag"] == 1 and "self_delegation" in out[0]["categories"]
    assert out[1]["flag"] == 0


def test_predict_rejects_bad_lines(tmp_path, capsys):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "text": "ok"}\n{not json}\n', encoding="utf-8")
    assert main(["predict", str(src), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


REAL = sorted((SHARED / "data/pdf/text").glob("49-*.pdf")) + sorted((SHARED / "data/drafts").glob("*.md"))


@pytest.mark.skipif(not REAL, reason="../shared/data (real decrees and drafts) not present")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_documents_scan_with_exact_offsets(path):
    parsed = parse_file(path)
    findings = screen(parsed)
    assert parsed.units
    for f in findings:
        assert parsed.text[f.start:f.end] == f.text
        for t in f.triggers:
            assert parsed.text[t.start:t.end] == t.text
