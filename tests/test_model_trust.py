"""Models load only through skops with an explicit allow-list of types, and only when the file's
sha256 matches its model card: proved on the shipped model (``models/CURRENT``), tampered
copies in a temporary folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"

model_mod = pytest.importorskip("screener.classifier.model")
ModelError = model_mod.ModelError
load_model = model_mod.load_model


def shipped() -> Path:
    pointer = MODELS / "CURRENT"
    if not pointer.is_file():
        pytest.skip("no shipped model (models/CURRENT)")
    d = MODELS / pointer.read_text(encoding="utf-8").strip()
    if not (d / "model.skops").is_file():
        pytest.skip(f"{d} has no model.skops")
    return d


@pytest.fixture
def copy(tmp_path) -> Path:
    d = tmp_path / shipped().name
    shutil.copytree(shipped(), d)
    return d


def _card_sha(card: Path) -> str:
    m = re.search(r"sha256:\s*`?([0-9a-f]{64})", card.read_text(encoding="utf-8"))
    assert m, "the model card names the sha256 of model.skops"
    return m.group(1)


def _set_card_sha(card: Path, sha: str) -> None:
    text = card.read_text(encoding="utf-8")
    card.write_text(re.sub(r"(sha256:\s*`?)[0-9a-f]{64}", lambda m: m.group(1) + sha, text, count=1),
                    encoding="utf-8")


def test_shipped_model_matches_its_card_and_loads():
    d = shipped()
    assert model_mod.file_sha256(d / "model.skops") == _card_sha(d / "MODEL_CARD.md")
    model = load_model(d)
    assert model.version


def test_shipped_model_holds_only_allow_listed_types():
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=shipped() / "model.skops")
    assert set(untrusted) <= set(model_mod.TRUSTED_TYPES)


def test_a_tampered_model_file_is_refused(copy):
    f = copy / "model.skops"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte changed
    f.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match the model card"):
        load_model(copy)


def test_a_model_with_an_appended_byte_is_refused(copy):
    with open(copy / "model.skops", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="does not match"):
        load_model(copy)


def test_a_card_without_the_hash_is_refused(copy):
    card = copy / "MODEL_CARD.md"
    card.write_text(re.sub(r".*sha256.*\n", "", card.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ModelError, match="names no sha256|missing"):
        load_model(copy)
    card.unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(copy)


def test_a_card_naming_another_hash_is_refused(copy):
    _set_card_sha(copy / "MODEL_CARD.md", "0" * 64)
    with pytest.raises(ModelError, match="does not match"):
        load_model(copy)


def _dump_with(copy: Path, extra) -> None:
    """The shipped model's state plus ``extra``, saved with skops, and the card's hash updated
    to match: only the allow-list can stop it now."""
    import skops.io as sio

    state = dict(load_model(copy).state)
    state["extra"] = extra
    f = copy / "model.skops"
    sio.dump(state, f)
    _set_card_sha(copy / "MODEL_CARD.md", model_mod.file_sha256(f))


@pytest.mark.parametrize("make", ["collections.Counter", "datetime.date"])
def test_an_extra_untrusted_type_is_refused_even_with_a_matching_hash(copy, make):
    import collections
    import datetime

    extra = collections.Counter("ab") if make == "collections.Counter" else datetime.date(2026, 1, 1)
    _dump_with(copy, extra)
    with pytest.raises(ModelError, match=f"not on the allow-list.*{make}"):
        load_model(copy)


def test_skops_default_trusted_types_are_what_the_allow_list_adds_to():
    """Documented gap: scikit-learn estimators that skops trusts by default (e.g. StandardScaler)
    are not reported by ``get_untrusted_types``, so ``TRUSTED_TYPES`` cannot refuse them; they
    carry no code of their own. This test records that behaviour so a change in skops is seen."""
    import skops.io as sio
    from sklearn.preprocessing import StandardScaler

    assert sio.get_untrusted_types(data=sio.dumps({"x": StandardScaler()})) == []


def test_a_function_in_the_file_is_refused_and_never_called(copy, tmp_path):
    """A model file that would call ``os.system`` on load is refused before anything runs."""
    import functools

    marker = tmp_path / "pwned"
    _dump_with(copy, functools.partial(os.system, f"touch {marker}"))
    with pytest.raises(ModelError, match="not on the allow-list"):
        load_model(copy)
    assert not marker.exists()


def test_the_app_and_cli_fall_back_to_the_rules_on_a_tampered_model(copy, monkeypatch):
    data = bytearray((copy / "model.skops").read_bytes())
    data[100] ^= 0x01
    (copy / "model.skops").write_bytes(bytes(data))
    # the app: never raises, uses the rules
    from screener import app_logic as L

    monkeypatch.setenv("SCREENER_MODEL", str(copy))
    scorer, version = L.load_scorer()
    assert version.startswith("rules-")
    # the CLI: screens with the rules and says why on stderr
    sample = ROOT / "screener" / "samples" / "du_thao_nghi_dinh_mau.txt"
    env = dict(os.environ, SCREENER_MODEL=str(copy))
    proc = subprocess.run([sys.executable, "-m", "screener.cli", "scan", str(sample), "--format", "json"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "does not match the model card" in proc.stderr and "rules alone" in proc.stderr
    assert "Traceback" not in proc.stderr
