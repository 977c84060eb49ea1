"""Escaped HTML for text with highlighted trigger spans (shared by the report and the app).

Everything that comes from a document passes through ``html.escape``; only the markup built
here is trusted.
"""

from __future__ import annotations

from html import escape
from typing import Iterable

from screener.rules import get_category


def highlight(text: str, spans: Iterable[tuple[int, int, str, str]], offset: int = 0) -> str:
    """HTML of ``text`` with ``spans`` (start, end, category, title) marked.

    Offsets are into the string that ``text`` was cut from, starting at ``offset``.
    Overlapping spans are merged into the first one.
    """
    out, pos = [], 0
    for start, end, category, title in sorted(spans):
        start, end = max(start - offset, pos), min(end - offset, len(text))
        if end <= start:
            continue
        out.append(escape(text[pos:start]))
        color = get_category(category).color
        out.append(f'<mark class="cat-{escape(category)}" style="background:{escape(color)}" '
                   f'title="{escape(title)}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>\n")


def legend(category_ids: Iterable[str]) -> str:
    items = []
    for cid in category_ids:
        cat = get_category(cid)
        items.append(f'<span class="legend-item"><mark style="background:{escape(cat.color)}">'
                     f'{escape(cat.name_vi)}</mark></span>')
    return " ".join(items)
