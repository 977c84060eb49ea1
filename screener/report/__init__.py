"""Scan reports (JSON, CSV, Markdown, HTML) and escaped highlight HTML."""

from screener.report.highlight import highlight, legend
from screener.report.render import summary, to_csv, to_html, to_json, to_markdown

__all__ = ["highlight", "legend", "summary", "to_csv", "to_html", "to_json", "to_markdown"]

from screener.report.docx import comment_table_docx, review_report_docx  # noqa: E402

__all__ += ["comment_table_docx", "review_report_docx"]
