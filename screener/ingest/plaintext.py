"""Plain text and Markdown, including OCR'd drafts (YAML front matter, PAGE BREAK markers).

Returns one string per page: a form feed or a ``--- PAGE BREAK ---`` line starts a page.
"""

from __future__ import annotations

import codecs
import re

from screener.errors import InputError

_PAGE_BREAK = re.compile(r"^[ \t]*-{2,}[ \t]*PAGE[ \t]+BREAK[ \t]*-{2,}[ \t]*$", re.I | re.M)
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_YAML_KEY = re.compile(r"^[\w-]+[ \t]*:", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+|$)|[ \t]+#+[ \t]*$", re.M)
_BLOCKQUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_BULLET = re.compile(r"^([ \t]*)\*[ \t]+", re.M)
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_TABLE_RULE = re.compile(  # "|---|:---:|"
    r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1258."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:4096]:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return data.decode("cp1258")
            except UnicodeDecodeError:
                pass
    raise InputError(
        f"{name} is not a text file in UTF-8 or Windows-1258; save it as UTF-8 text, "
        "or upload the PDF or DOCX.")


def decode_text(data: bytes, name: str) -> tuple[str, str | None]:
    """(text, legacy encoding or None): ``decode``, and text typed in the legacy TCVN3 or VNI
    fonts converted to Unicode (their bytes are read as Latin-1, the code points they stand on)."""
    from screener.ingest.legacy import fix_legacy

    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" not in data[:4096]:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # 8-bit text: Windows-1258, or a legacy font encoding
            fixed, enc = fix_legacy(data.decode("latin-1"))
            if enc:
                return fixed, enc
    text = decode(data, name)
    if not text.isascii():  # legacy text that went through a UTF-8 conversion
        fixed, enc = fix_legacy(text)
        if enc:
            return fixed, enc
    return text, None


def strip_markdown(text: str) -> str:
    """Markup characters go, their text stays."""
    text = _HTML_BREAK.sub("\n", text)
    text = _TABLE_RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _BLOCKQUOTE.sub("", text)
    text = _BULLET.sub(r"\1- ", text)
    text = _IMAGE_OR_LINK.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    return _ESCAPE.sub(r"\1", text)


def read_text(data: bytes, name: str, *, markdown: bool) -> list[str]:
    """Page texts; Markdown markup, front matter and page-break markers removed."""
    return split_pages(decode(data, name), markdown=markdown)


def split_pages(text: str, *, markdown: bool) -> list[str]:
    """``read_text`` on text already decoded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front = _FRONT_MATTER.match(text) if markdown else None
    if front and _YAML_KEY.search(front.group(1)):
        text = text[front.end():]
    pages = [p for chunk in _PAGE_BREAK.split(text) for p in chunk.split("\f")]
    return [strip_markdown(p) for p in pages] if markdown else pages
