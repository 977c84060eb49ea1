"""What several test modules share: the hand-built documents of ``benchmarks/hostile.py``
(PDF, DOCX and ZIP builders, the hostile cases), loaded once as the module ``hostile``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


hostile = sys.modules.get("hostile_bench") or _load("hostile_bench", ROOT / "benchmarks" / "hostile.py")
