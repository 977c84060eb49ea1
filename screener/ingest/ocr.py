"""OCR of PDF pages without a text layer: pypdfium2 renders, Tesseract (Vietnamese) reads.

Tesseract is a system program (``apt-get install tesseract-ocr tesseract-ocr-vie``), called
with ``subprocess``: nothing is downloaded at run time. Each page is rendered to a greyscale
image, piped to ``tesseract`` and read back as TSV, which gives the text line by line and
every word's confidence. A page that takes longer than ``timeout`` seconds is killed and
reported; it never hangs the caller.

Settings (``OcrSettings``) have defaults chosen on the benchmark (``benchmarks/ocr.py``) and
can be overridden with ``SCREENER_OCR_LANG``, ``SCREENER_OCR_DPI``, ``SCREENER_OCR_PSM``,
``SCREENER_OCR_TIMEOUT``, ``SCREENER_OCR_MAX_PAGES``, ``SCREENER_OCR_WORKERS`` and
``SCREENER_TESSERACT`` (the binary).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

from screener.ingest.normalize import normalize_text
from screener.ingest.syllables import is_syllable

#: what to run to get Tesseract with its Vietnamese model (Debian/Ubuntu)
INSTALL_ADVICE = ("install Tesseract with its Vietnamese model "
                  "(Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-vie)")

LANG = "vie"
DPI = 200  # the scans' own resolution; 300 and 400 read worse (benchmarks/ocr.py)
PSM = 4  # page segmentation "one column of text of variable sizes"; 3 reads the same, 6 worse
TIMEOUT = 120.0  # seconds per page
MAX_PAGES = 300  # pages past this are not OCR'd (a warning names them): no hour-long runs
WORKERS = max(1, min(4, os.cpu_count() or 1))  # pages OCR'd at once, one thread each
#: a page whose mean word confidence (0-100) is below this is named in the report
LOW_CONFIDENCE = 80.0

Progress = Callable[[int, int], None]


class OcrUnavailable(Exception):
    """Tesseract or its Vietnamese model is not installed; the message says how to fix it."""


@dataclass(frozen=True)
class OcrSettings:
    lang: str = LANG
    dpi: int = DPI
    psm: int = PSM
    timeout: float = TIMEOUT
    max_pages: int = MAX_PAGES
    workers: int = WORKERS
    binary: str = "tesseract"

    @classmethod
    def from_env(cls) -> OcrSettings:
        """The defaults, overridden by ``SCREENER_OCR_*`` variables (an invalid one is ignored)."""
        def num(var: str, default, kind=int):
            try:
                value = kind(os.environ[var])
            except (KeyError, ValueError):
                return default
            return value if value > 0 else default

        return cls(lang=os.environ.get("SCREENER_OCR_LANG") or LANG,
                   dpi=num("SCREENER_OCR_DPI", DPI), psm=num("SCREENER_OCR_PSM", PSM),
                   timeout=num("SCREENER_OCR_TIMEOUT", TIMEOUT, float),
                   max_pages=num("SCREENER_OCR_MAX_PAGES", MAX_PAGES),
                   workers=num("SCREENER_OCR_WORKERS", WORKERS),
                   binary=os.environ.get("SCREENER_TESSERACT") or "tesseract")


@dataclass
class PageOcr:
    """One page read by OCR: ``error`` set (and ``text`` empty) when it could not be read."""

    page: int  # 0-based
    text: str = ""
    confidence: float | None = None  # mean word confidence, 0-100
    words: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class OcrResult:
    pages: dict[int, PageOcr] = field(default_factory=dict)  # 0-based page -> result
    warnings: list[str] = field(default_factory=list)


def find_tesseract(binary: str = "tesseract") -> str | None:
    """Path of the Tesseract program, or None when it is not installed."""
    return shutil.which(binary)


@cache
def _languages(path: str) -> frozenset[str]:
    try:
        out = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def check_available(settings: OcrSettings | None = None) -> str:
    """The Tesseract path, or ``OcrUnavailable`` saying what to install."""
    settings = settings or OcrSettings.from_env()
    path = find_tesseract(settings.binary)
    if path is None:
        raise OcrUnavailable(f"Tesseract OCR is not installed; {INSTALL_ADVICE}")
    missing = [lang for lang in settings.lang.split("+") if lang not in _languages(path)]
    if missing:
        raise OcrUnavailable(f"Tesseract has no '{'+'.join(missing)}' language model; "
                             f"{INSTALL_ADVICE}")
    return path


def _pgm(bitmap) -> bytes:
    """A pypdfium2 greyscale bitmap as a binary PGM, which Tesseract (Leptonica) reads."""
    arr = bitmap.to_numpy()
    if arr.ndim == 3:
        arr = arr[:, :, 0]
    h, w = arr.shape
    return b"P5\n%d %d\n255\n" % (w, h) + arr.tobytes()


def render_page(page, dpi: int = DPI) -> bytes:
    """A pypdfium2 page rendered in greyscale at ``dpi``, as PGM bytes."""
    from screener.limits import current

    scale = dpi / 72
    width, height = page.get_size()  # points
    budget = current().max_page_megapixels * 1e6
    if width * height * scale * scale > budget:  # a huge page: fewer dots per inch, bounded memory
        scale = max(0.01, (budget / max(width * height, 1.0)) ** 0.5)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return _pgm(bitmap)
    finally:
        bitmap.close()


#: a gap between two words wider than this many word heights separates two columns of a
#: line (issuer | national motto, the received-stamp | the type of document)
COLUMN_GAP = 2.5


def parse_tsv(tsv: str) -> tuple[str, float | None, int]:
    """Text (one line per OCR'd line, blocks apart), mean word confidence and word count.

    Words far apart on one line (``COLUMN_GAP``) go on separate lines, as the text layer of a
    PDF has them: a header's two columns, or a stamp beside the title, are not one sentence.
    """
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, str]]] = {}
    confs: list[float] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        word = (row.get("text") or "").strip()
        if not word:
            continue
        key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
        left, width, height = (int(row.get(k) or 0) for k in ("left", "width", "height"))
        lines.setdefault(key, []).append((left, width, height, word))
        conf = float(row.get("conf") or -1)
        if conf >= 0:
            confs.append(conf)
    out: list[str] = []
    block = None
    for (b, _, _), words in lines.items():  # Tesseract writes them in reading order
        if block is not None and b != block:
            out.append("")
        block = b
        heights = sorted(h for _, _, h, _ in words)
        gap = COLUMN_GAP * heights[len(heights) // 2]
        part = [words[0][3]]
        for (l0, w0, _, _), (l1, _, _, word) in zip(words, words[1:]):
            if gap and l1 - (l0 + w0) > gap:
                out.append(" ".join(part))
                part = []
            part.append(word)
        out.append(" ".join(part))
    mean = round(sum(confs) / len(confs), 1) if confs else None
    return "\n".join(out), mean, len(confs)


def ocr_image(image: bytes, settings: OcrSettings | None = None, *, page: int = 0) -> PageOcr:
    """OCR of one image (any format Tesseract reads: PGM, PNG, TIFF...)."""
    settings = settings or OcrSettings.from_env()
    path = check_available(settings)
    cmd = [path, "stdin", "stdout", "-l", settings.lang, "--psm", str(settings.psm),
           "--dpi", str(settings.dpi), "tsv"]
    # one thread per Tesseract: its OpenMP threads make a page slower, not faster
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t0 = time.perf_counter()
    try:
        out = subprocess.run(cmd, input=image, capture_output=True, timeout=settings.timeout,
                             env=env, check=False)
    except subprocess.TimeoutExpired:
        return PageOcr(page, seconds=time.perf_counter() - t0,
                       error=f"OCR timed out after {settings.timeout:g} s")
    except OSError as exc:
        return PageOcr(page, seconds=time.perf_counter() - t0, error=f"Tesseract failed: {exc}")
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        msg = out.stderr.decode("utf-8", "replace").strip().splitlines()
        return PageOcr(page, seconds=seconds,
                       error=f"Tesseract failed ({msg[-1] if msg else out.returncode})")
    text, conf, words = parse_tsv(out.stdout.decode("utf-8", "replace"))
    return PageOcr(page, text, conf, words, seconds)


def ocr_pdf(data: bytes, pages: Iterable[int], settings: OcrSettings | None = None, *,
            progress: Progress | None = None) -> OcrResult:
    """OCR of the given 0-based pages of a PDF; ``progress(done, total)`` after each page.

    Raises ``OcrUnavailable`` before any work when Tesseract cannot run. Pages past
    ``settings.max_pages`` are not read (a warning says so); a page that fails or times out
    gets ``PageOcr.error`` and a warning.
    """
    import pypdfium2 as pdfium

    settings = settings or OcrSettings.from_env()
    check_available(settings)
    pages = list(pages)
    result = OcrResult()
    if len(pages) > settings.max_pages:
        skipped = pages[settings.max_pages:]
        pages = pages[: settings.max_pages]
        result.warnings.append(
            f"OCR is limited to {settings.max_pages} pages; pages {skipped[0] + 1}-"
            f"{skipped[-1] + 1} were not read")
    total = len(pages)
    if progress:
        progress(0, total)
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium refuses what pypdf read: say so, do not crash
        result.warnings.append(f"the pages could not be rendered for OCR ({exc})")
        return result
    try:
        done = 0
        with ThreadPoolExecutor(max_workers=settings.workers) as pool:
            # pdfium is not thread-safe: render here, OCR in the pool, ``workers`` pages in flight
            pending: list = []
            queue = list(pages)
            while queue or pending:
                while queue and len(pending) < settings.workers:
                    i = queue.pop(0)
                    try:
                        image = render_page(pdf[i], settings.dpi)
                    except Exception as exc:
                        failed = PageOcr(i, error=f"the page could not be rendered ({exc})")
                        pending.append(pool.submit(lambda p=failed: p))
                        continue
                    pending.append(pool.submit(ocr_image, image, settings, page=i))
                page = pending.pop(0).result()
                result.pages[page.page] = page
                if page.error:
                    result.warnings.append(f"page {page.page + 1}: {page.error}; its text is missing")
                done += 1
                if progress:
                    progress(done, total)
    finally:
        pdf.close()
    return result


# Tesseract reads the "1" of "Điều 1." as "I", "l" or "|" (the serif font of decrees)
_ARTICLE_NUMBER = re.compile(r"^([ĐÐ]i[eêềểệ]u|[ĐÐ]IỀU)[ \t]+([0-9Il|]{1,3})(?=[ \t]*[.:])", re.M)
# ... and in citations, dates and document numbers: "khoản I Điều I1", "ngày II tháng I0",
# "số 64/2025/QHI5" (never roman numerals there; "điểm l" is a real point label)
_CITED_NUMBER = re.compile(r"\b((?:[Đđ]iều|[Kk]hoản) )(?=[0-9Il]{1,3}\b)([0-9Il]{1,3})\b")
_DATE_NUMBER = re.compile(r"\b([Nn]gày|[Tt]háng) ([0-9IlO]{1,2})(?= (?:tháng|năm)\b)")
_CODE_NUMBER = re.compile(r"(?<=/)((?:UBTV)?QH)([Il])(?=\d)")  # the National Assembly's term
_DIGITS = str.maketrans("Il|O", "1110")
# A syllable ending in p, t, c or ch takes the sắc or the nặng tone. Tesseract drops the
# marks above a circumflex or breve ("cấp" -> "câp", "quốc" -> "quôc") but rarely the dot
# below, so such a syllable read with no tone had a sắc: put it back on its marked vowel.
_TONELESS_STOP = re.compile(
    r"(?<![^\W\d_])[^\W\d_]*[âăêôơưÂĂÊÔƠƯ][^\W\d_]*(?:[ptcPTC]|ch|CH)(?![^\W\d_])")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# dust of the scan read as punctuation before a line: ". 1. Nghị định ...", "‘ Điều 2."
_SPECKS = re.compile(r"^[.,:;'‘’`´_~•·°|]+[ \t]+(?=[\w“\"(])", re.M)
# a rule drawn under a header, read into the line beside it: "————— Độc lập - Tự do"
_RULE = re.compile(r"^[—–_=-]{3,}[ \t]+|[ \t]+[—–_=-]{3,}$", re.M)
# a speck read as a line of its own: no letter or digit, or one lone letter
_JUNK_LINE = re.compile(r"^(?:[^\w\n]*|[ \t]*[^\W\d_][ \t]*)$\n?", re.M)
# a clause number read with a comma: "1, Nghị định này ..." (a capital follows)
_CLAUSE_COMMA = re.compile(r"^(\d{1,2}[a-zđ]?),[ \t]+(?=\w)", re.M)


def _digits(m: re.Match) -> str:
    return f"{m.group(1)} {m.group(2).translate(_DIGITS)}"


def _clause(m: re.Match) -> str:
    following = m.string[m.end():m.end() + 1]
    return f"{m.group(1)}. " if following.isupper() else m.group(0)


def _number(m: re.Match) -> str:
    return f"{m.group(1)} {m.group(2).translate(_DIGITS)}"


def _sac(m: re.Match) -> str:
    word = m.group()
    if any(c in _TONE_MARKS for c in unicodedata.normalize("NFD", word)):
        return word
    i = max(word.rfind(c) for c in "âăêôơưÂĂÊÔƠƯ")
    toned = unicodedata.normalize("NFC", word[: i + 1] + "\u0301" + word[i + 1:])
    return toned if is_syllable(toned) else word


def clean(text: str) -> str:
    """OCR text in the canonical spelling (``normalize_text``), with the OCR slips that hide
    structure repaired: specks (lines of their own, or before a line), rules beside a header, "Điều I.", "1, Nghị",
    "I"/"l" for "1" in citations, dates and document numbers; and the sắc tone that a
    syllable ending in a stop must carry ("đât" -> "đất")."""
    text = normalize_text(text)
    text = _JUNK_LINE.sub("", _RULE.sub("", _SPECKS.sub("", text)))
    text = _CLAUSE_COMMA.sub(_clause, _ARTICLE_NUMBER.sub(_digits, text))
    text = _CITED_NUMBER.sub(lambda m: m.group(1) + m.group(2).translate(_DIGITS), text)
    text = _DATE_NUMBER.sub(_number, text)
    text = _CODE_NUMBER.sub(lambda m: m.group(1) + "1", text)
    return _TONELESS_STOP.sub(_sac, text)
