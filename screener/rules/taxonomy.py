"""The risk taxonomy (GUIDELINE.md v1.1) as typed data, from ``screener/data/taxonomy.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["Category", "categories", "category_ids", "get_category", "TAXONOMY_VERSION"]


@dataclass(frozen=True)
class Category:
    id: str
    name_vi: str
    name_en: str
    definition: str
    legal_basis: tuple[str, ...]
    reviewer_question: str
    suggested_fix: str
    reason: str
    color: str

    def reason_for(self, trigger: str) -> str:
        """The finding's reason sentence with the trigger filled in."""
        return self.reason.replace("{trigger}", trigger)


@lru_cache(maxsize=1)
def _load() -> tuple[str, tuple[Category, ...]]:
    raw = json.loads(resources.files("screener.data").joinpath("taxonomy.json")
                     .read_text(encoding="utf-8"))
    cats = tuple(
        Category(
            id=c["id"], name_vi=c["name_vi"], name_en=c["name_en"],
            definition=c["definition"], legal_basis=tuple(c["legal_basis"]),
            reviewer_question=c["reviewer_question"], suggested_fix=c["suggested_fix"],
            reason=c["reason"], color=c["color"],
        )
        for c in raw["categories"]
    )
    return str(raw.get("version", "")), cats


def categories() -> list[Category]:
    """The nine categories, in the guideline's order."""
    return list(_load()[1])


def category_ids() -> list[str]:
    return [c.id for c in _load()[1]]


def get_category(category_id: str) -> Category:
    for c in _load()[1]:
        if c.id == category_id:
            return c
    raise KeyError(f"unknown category: {category_id!r}")


TAXONOMY_VERSION = _load()[0]
