"""Property-based tests (hypothesis) over ingest and the structure parser.

Whatever the bytes: ``read`` / ``parse_file`` raise nothing but the project's ``InputError``;
and whatever the text: every provision's offsets lie inside the text, parents come before
their children and contain them, the judged units lie inside the text without overlapping.
"""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from screener import parse_document, parse_file
from screener.document import Document, Metadata
from screener.errors import InputError
from support import hostile as H


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_tree(parsed) -> None:
    text = parsed.text
    provs = parsed.provisions
    for i, p in enumerate(provs):
        assert 0 <= p.start <= p.end <= len(text), (i, p)
        assert p.start <= p.body_start <= p.end, (i, p)
        assert p.page_start <= p.page_end
        if p.parent is not None:
            assert 0 <= p.parent < i, "parents come before their children"
            parent = provs[p.parent]
            assert parent.start <= p.start and p.end <= parent.end, ("child inside parent", parent, p)
    # document order
    starts = [p.start for p in provs]
    assert starts == sorted(starts)
    last = 0
    for u in sorted(parsed.units, key=lambda u: u.start):
        assert 0 <= u.start < u.end <= len(text)
        assert u.start >= last, "units do not overlap"
        last = u.end
        if u.provision is not None:
            node = provs[u.provision]
            assert node.start <= u.start and u.end <= node.end


def read_or_input_error(data: bytes, name: str):
    try:
        parsed = parse_file(data, name=name)
    except InputError as exc:
        assert str(exc), "an InputError says what is wrong"
        return None
    check_tree(parsed)
    return parsed


# ---- bytes ----------------------------------------------------------------------------------

NAMES = st.sampled_from(["a.pdf", "a.docx", "a.txt", "a.md", "a", "a.docm", "a.xlsx", "a.doc"])


@FUZZ
@given(data=st.binary(max_size=3000), name=NAMES)
def test_any_bytes_give_a_document_or_an_input_error(data, name):
    read_or_input_error(data, name)


@FUZZ
@given(prefix=st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xef\xbb\xbf",
                               b"\xff\xfe", b""]),
       data=st.binary(max_size=2000), name=NAMES)
def test_magic_prefixes_then_garbage(prefix, data, name):
    read_or_input_error(prefix + data, name)


_PDF = H.make_pdf([H.LAW[:5], H.LAW[5:]])
_PDF_Z = H.make_pdf([H.LAW[:5], H.LAW[5:]], compress=True)
_DOCX = H.make_docx(H.LAW)


@st.composite
def mutated(draw, base: bytes):
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[i] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[i:]
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=40))
        else:
            del data[i:i + draw(st.integers(1, 200))]
    return bytes(data)


@FUZZ
@given(data=mutated(_PDF))
def test_damaged_pdfs(data):
    read_or_input_error(data, "d.pdf")


@FUZZ
@given(data=mutated(_PDF_Z))
def test_damaged_compressed_pdfs(data):
    read_or_input_error(data, "d.pdf")


@FUZZ
@given(data=mutated(_DOCX))
def test_damaged_docx(data):
    read_or_input_error(data, "d.docx")


@FUZZ
@given(paragraphs=st.lists(st.text(max_size=80), max_size=12))
def test_docx_with_any_text(paragraphs):
    clean = ["".join(c for c in p if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF
                     and c not in "\ufffe\uffff") for p in paragraphs]
    read_or_input_error(H.make_docx(clean), "t.docx")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    return out.getvalue()


@FUZZ
@given(members=st.dictionaries(st.sampled_from(["word/document.xml", "[Content_Types].xml", "_rels/.rels",
                                                "word/vbaProject.bin", "xl/workbook.xml", "other.txt"]),
                               st.binary(max_size=300), max_size=4))
def test_zip_packages_named_docx(members):
    read_or_input_error(_zip(members), "z.docx")


# ---- text and the structure parser ------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    "Điều 1. Phạm vi điều chỉnh", "Điều 2.", "Điều 2", "Điều 10a. Sửa đổi", "ĐIỀU 3:", "Chương I", "CHƯƠNG II",
    "QUY ĐỊNH CHUNG", "Mục 1", "Tiểu mục 2", "Phần thứ nhất", "Phụ lục I", "1.", "1. Nội dung", "2a. ",
    "12, Dịch vụ", "a)", "b) nội dung điểm", "đ)", "b1)", "a.1)", "(i)", "“Điều 5. Được sửa đổi",
    "”.", "“", "”", "\"", "Nơi nhận:", "TM. CHÍNH PHỦ", "Luật này đã được Quốc hội thông qua",
    "--- PAGE BREAK ---", "\f", "\n", "\n\n", " ", "-", "*", "#", "|", "…", "Điều 5 Luật này quy định",
    "khoản 2 Điều 5", "ngày 01 tháng 01 năm 2026", "Số: 1/2026/NĐ-CP", "Căn cứ Luật", "\u00ad", "\u200b",
    "Ð", "i\u0301", "\t", "<script>", "**", "[a](b)"])

TEXT_PIECES = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=60)


@FUZZ
@given(pieces=TEXT_PIECES, sep=st.sampled_from(["\n", " ", "", "\n\n"]),
       name=st.sampled_from(["a.txt", "a.md"]))
def test_structure_of_any_text(pieces, sep, name):
    text = sep.join(pieces)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot be a file's content
        assume(False)
    read_or_input_error(data, name)


@FUZZ
@given(pieces=TEXT_PIECES)
def test_parser_on_canonical_text_directly(pieces):
    """The parser alone, on any string (not only what ingest produces)."""
    text = "\n".join(pieces)
    doc = Document(text=text, page_starts=[0], metadata=Metadata(), name="x")
    check_tree(parse_document(doc))


@settings(max_examples=40, deadline=None)
@given(n_articles=st.integers(1, 30), clauses=st.integers(0, 5), points=st.integers(0, 4),
       quoted=st.booleans())
def test_well_formed_laws_nest(n_articles, clauses, points, quoted):
    lines = ["LUẬT", "Chương I", "QUY ĐỊNH CHUNG"]
    for a in range(1, n_articles + 1):
        lines.append(f"Điều {a}. Tiêu đề điều {a}")
        for c in range(1, clauses + 1):
            lines.append(f"{c}. Nội dung khoản {c} của điều {a}:")
            for p in "abcdđ"[:points]:
                lines.append(f"{p}) Nội dung điểm {p};")
            if quoted and c == 1:
                lines += ["“Điều 99. Điều được sửa đổi", "1. Khoản được sửa đổi.”"]
    parsed = read_or_input_error("\n".join(lines).encode(), "law.txt")
    assert parsed is not None
    arts = [p for p in parsed.provisions if p.kind == "article" and not p.quoted]
    assert len(arts) == n_articles
    assert parsed.has_articles and all(u.kind != "paragraph" for u in parsed.units)
