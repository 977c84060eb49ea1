"""Classifier: features, a small training run, skops save/load with trusted types and the
card's sha256, the combined scorer, model folders (CURRENT, promotion, rollback)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from screener.classifier.card import history, read_current, rollback, set_current, write_model_dir
from screener.classifier.features import extract
from screener.classifier.model import (MODEL_FILE, ModelError, TrainConfig, load_model,
                                       train_model)
from screener.classifier.scorer import (CombinedJudgement, CombinedScorer, head_span,
                                        load_default_scorer)
from screener.corpus import Example, expand_paths, load_examples
from screener.rules import category_ids

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small():
    """A model trained on part of the synthetic corpus (fast: about 10 s)."""
    files = expand_paths(["corpus/synthetic/unbounded_discretion.jsonl",
                          "corpus/synthetic/licensing_barrier.jsonl",
                          "corpus/synthetic/agency_self_interest.jsonl"], ROOT)
    ex = load_examples(files)
    assert len(ex) >= 300
    F = extract(ex)
    cfg = TrainConfig(folds=3, word_max_features=3000, char_max_features=5000)
    model = train_model(ex, F, cfg, version="test")
    return ex, F, model


def test_features_shapes_and_segmentation():
    F = extract([("2. Trong trường hợp cần thiết, cơ quan nhà nước có thể yêu cầu bổ sung hồ sơ.",
                  "Hồ sơ đề nghị cấp phép", "Nghị định"), "a) Người lao động có quyền nghỉ phép."])
    assert len(F) == 2
    assert "cơ_quan" in F.words[0] and F.words[0] == F.words[0].lower()
    assert not F.chars[0].strip().startswith("2.")  # enumerator removed
    assert F.titles[1] == ""
    assert F.rules[0]["rs:unbounded_discretion"] > 0 and F.rules[0]["authority"] == 1.0
    assert "cue:AUTHORITY" in F.rules[0]
    assert F.judgements[0].flag and not F.judgements[1].flag


def test_a_draft_is_featurised_like_the_enacted_type():
    text = "Bộ trưởng Bộ Tài chính quy định điều kiện cụ thể."
    draft, enacted, other = extract([(text, None, "Nghị định (dự thảo)"), (text, None, "Nghị định"),
                                     (text, None, "Thông tư")]).rules
    assert draft == enacted and "dt:nghị định" in draft
    assert other != enacted


def test_save_load_predict_round_trip(small, tmp_path):
    ex, F, model = small
    p1, c1 = model.predict_proba(F)
    out = write_model_dir(model, tmp_path / "m-test", {})
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "sha256" in card and "Intended use" in card and "Limits" in card
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["sha256"] in card
    loaded = load_model(out)
    p2, c2 = loaded.predict_proba(F)
    assert np.allclose(p1, p2) and np.allclose(c1, c2)
    assert loaded.version == "test"
    # it learnt something: flagged synthetic provisions score higher than unflagged ones
    y = np.array([e.flag for e in ex])
    assert p2[y == 1].mean() > p2[y == 0].mean() + 0.2


def test_tampered_model_is_refused(small, tmp_path):
    _, _, model = small
    out = write_model_dir(model, tmp_path / "m-tamper", {})
    f = out / MODEL_FILE
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        load_model(out)
    # a card without a hash is refused too
    out2 = write_model_dir(model, tmp_path / "m-nocard", {})
    (out2 / "MODEL_CARD.md").write_text("# no hash here\n", encoding="utf-8")
    with pytest.raises(ModelError, match="names no sha256"):
        load_model(out2)


def test_untrusted_type_is_refused(tmp_path):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    f = tmp_path / "evil" / MODEL_FILE
    f.parent.mkdir()
    sio.dump({"format": 1, "x": FunctionTransformer(func=json.dumps)}, f)
    with pytest.raises(ModelError, match="allow-list"):
        load_model(f, verify=False)


def test_combined_scorer_judgements(small):
    _, _, model = small
    scorer = CombinedScorer(model, name="m-test")
    items = [("Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu tổ chức bổ sung các tài liệu khác.",
              "Hồ sơ", "Nghị định"),
             ("Điều này có hiệu lực kể từ ngày ký.", "Hiệu lực thi hành", "Nghị định")]
    js = scorer(items)
    assert len(js) == 2 and all(isinstance(j, CombinedJudgement) for j in js)
    for (text, _, _), j in zip(items, js):
        assert j.model == "m-test"
        assert set(j.category_scores) == set(category_ids())
        assert 0.0 <= j.score <= 1.0
        assert bool(j.flag) == bool(j.categories)
        for t in j.triggers:
            assert text[t.start:t.end] == t.text and t.category in j.categories
        if j.flag:
            assert j.severity in (1, 2, 3)
            assert {t.category for t in j.triggers} == set(j.categories)
    assert js[0].flag and not js[1].flag


def test_head_span():
    text = "2. Cơ quan quản lý có quyền tạm đình chỉ hoạt động, trừ trường hợp khác."
    a, b = head_span(text)
    assert text[a:b] == "Cơ quan quản lý có quyền tạm đình chỉ hoạt động"


def test_fallback_to_rules_without_model(tmp_path, capsys):
    scorer = load_default_scorer(tmp_path / "no-model")
    assert "rules alone" in capsys.readouterr().err
    j = scorer([("Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu bổ sung.", None, None)])[0]
    assert j.flag and getattr(j, "model", None) is None


def test_current_pointer_promotion_and_rollback(small, tmp_path):
    _, _, model = small
    root = tmp_path / "models"
    write_model_dir(model, root / "m1", {})
    write_model_dir(model, root / "m2", {})
    set_current(root, "m1")
    set_current(root, "m2")
    assert read_current(root) == "m2"
    old, new = rollback(root)
    assert (old, new) == ("m2", "m1") and read_current(root) == "m1"
    assert (root / "m2" / MODEL_FILE).is_file()  # the newer folder is kept
    assert [a for _, a, _ in history(root)] == ["promote", "promote", "rollback"]
    with pytest.raises(FileNotFoundError):
        rollback(root)
    with pytest.raises(FileNotFoundError):
        set_current(root, "missing")


def test_models_trained_with_dev_are_compared_by_their_nested_cv_figures(tmp_path, monkeypatch):
    """dev is not held out for a model trained with it: promotion on dev compares the cards'
    nested-CV figures (no model is loaded), and only when both models have them."""
    import sys

    sys.path.insert(0, str(ROOT / "training"))
    import train

    dev = tmp_path / "dev.jsonl"
    dev.write_text("", encoding="utf-8")
    monkeypatch.setattr(train, "DEV", dev)

    def model_dir(name, f1, include_dev=True, cv=True):
        d = tmp_path / name
        d.mkdir()
        m = {"include_dev": include_dev}
        if cv:
            m["dev_grouped_cv"] = {"n": 425, "mean": {"f1": f1, "pr_auc": 0.7, "cat_f1": 0.5}}
        (d / "metrics.json").write_text(json.dumps(m), encoding="utf-8")
        return d

    new, cur = train.compare(model_dir("new", 0.74), model_dir("cur", 0.76), dev)
    assert new["flag"]["f1"] == 0.74 and cur["flag"]["f1"] == 0.76 and "nested" in new["_how"]
    assert not train.not_worse(new, cur, 0.005) and train.not_worse(new, cur, 0.03)
    assert train.nested_cv_figures(model_dir("corpus_only", 0.7, include_dev=False)) is None
    assert train.nested_cv_figures(model_dir("unmeasured", 0.7, cv=False)) is None
    with pytest.raises(ModelError):  # without figures on both sides it loads the models
        train.compare(model_dir("new2", 0.74), model_dir("cur2", 0.7, cv=False), dev)


def _shipped() -> Path | None:
    cur = ROOT / "models" / "CURRENT"
    if not cur.is_file():
        return None
    return ROOT / "models" / cur.read_text(encoding="utf-8").strip()


@pytest.mark.skipif(_shipped() is None, reason="no shipped model (models/CURRENT)")
def test_shipped_model_loads_and_is_small():
    d = _shipped()
    assert (d / MODEL_FILE).stat().st_size < 20e6
    model = load_model(d)
    assert set(model.thresholds["categories"]) == set(category_ids())
    j = CombinedScorer(model, d.name)([("Việc kiểm định chỉ được thực hiện tại tổ chức do Bộ Giao "
                                        "thông vận tải chỉ định.", "Kiểm định", "Thông tư")])[0]
    assert j.flag and "designated_provider" in j.categories and j.model == d.name


@pytest.mark.skipif(_shipped() is None, reason="no shipped model (models/CURRENT)")
def test_predict_cli_uses_the_combined_scorer(tmp_path):
    from screener.cli import main

    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "x1", "text": "Trong trường hợp cần thiết, Giám đốc Sở có thể yêu cầu "
                                                   "tổ chức bổ sung các tài liệu khác có liên quan."},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(inp), "-o", str(out)]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))
    assert set(row) == {"id", "flag", "score", "severity", "categories", "category_scores", "triggers"}
    assert row["flag"] == 1 and row["categories"]


# ------------------------------------------------------------------ domain adaptation, nested CV
def _leak_dataset(seed: int = 0):
    """A corpus whose labels follow a word ("cấm"), and target ("dev") examples in documents
    whose label is random per document, each document marked by its own token: nothing
    generalises to an unseen target document, so an honest grouped CV scores about chance,
    while a model that saw the test rows (or their documents) scores near 1."""

    rng = np.random.default_rng(seed)
    vocab = ["quy", "định", "cơ", "quan", "thực", "hiện", "hồ", "sơ", "báo", "cáo", "kiểm", "tra",
             "giấy", "phép", "thời", "hạn", "ngày", "tổ", "chức", "cá", "nhân"]

    def words(k):
        return " ".join(rng.choice(vocab, size=k))

    ex = []
    for i in range(240):
        flag = int(rng.random() < 0.3)
        text = f"{words(8)} {'cấm' if flag else 'cho'} {words(6)}."
        ex.append(Example(id=f"c{i}", text=text, article_title=None, doc_type=None, flag=flag,
                          categories=["licensing_barrier"] if flag else [], severity=1 if flag else None,
                          triggers=[], source="real", group=f"doc:c{i // 4}"))
    for g in range(60):
        flag = int(rng.random() < 0.35)
        mark = "mã" + "".join(rng.choice(list("bcdghklmnpqrstvx"), size=6))
        for j in range(3):
            ex.append(Example(id=f"t{g}-{j}", text=f"{mark} {words(10)} {mark}.", article_title=None,
                              doc_type=None, flag=flag, categories=["vague_criteria"] if flag else [],
                              severity=1 if flag else None, triggers=[], source="dev", group=f"doc:t{g}"))
    return ex


def _leak_cfg(**kw):
    return TrainConfig(folds=3, target_folds=3, min_target=50, target_weight_grid=(1.0, 5.0),
                       word_max_features=2000, char_max_features=3000, **kw)


@pytest.fixture(scope="module")
def leak_data():
    ex = _leak_dataset()
    return ex, extract(ex)


def test_nested_cv_never_fits_on_outer_test_rows(leak_data):
    """With a recording stand-in for train_model: every target row is tested once per seed,
    never trained on in its fold, and no document is split between training and test --
    corpus provisions of a held-out document are held out with it."""
    from screener.classifier.model import nested_cv

    ex, F = leak_data
    same_doc = [Example(id=f"r{g}", text=f"khoản khác của văn bản t{g}", article_title=None, doc_type=None,
                        flag=0, categories=[], severity=None, triggers=[], source="real", group=f"doc:t{g}")
                for g in range(0, 60, 6)]
    ex, F = ex + same_doc, F + extract(same_doc)
    seen: list[set] = []

    class Dummy:
        meta = {"target_weight": None}
        thresholds = {"flag": 0.5, "flag_rules": 0.5, "categories": {c: 0.5 for c in category_ids()}}

        def predict_proba(self, Ft):
            return np.full(len(Ft), 0.5), np.full((len(Ft), len(category_ids())), 0.5)

        def decide(self, pf, pc, rf):
            return [(False, [])] * len(pf)

    def fit(train_ex, train_F, cfg):
        assert len(train_ex) == len(train_F)
        seen.append({e.id for e in train_ex})
        return Dummy()

    runs = nested_cv(ex, F, _leak_cfg(), seeds=(0, 1), outer_folds=3, fit=fit)
    target = [i for i, e in enumerate(ex) if e.source == "dev"]
    assert len(runs) == 2 and len(seen) == 6
    for r in runs:
        assert r["index"] == target
        tested = [i for f in r["folds"] for i in f["test_index"]]
        assert sorted(tested) == target  # each target row tested exactly once
    for r in runs:
        for f, train_ids in zip(r["folds"], seen[3 * runs.index(r): 3 * runs.index(r) + 3]):
            test_ids = {ex[i].id for i in f["test_index"]}
            assert not test_ids & train_ids
            test_groups = {ex[i].group for i in f["test_index"]}
            assert not test_groups & {e.group for e in ex if e.id in train_ids}
            # the corpus is in training, but for the provisions of the fold's documents
            corpus = {e.id for e in ex if e.source == "real"}
            held = {e.id for e in ex if e.source == "real" and e.group in test_groups}
            assert corpus - held <= train_ids and not held & train_ids
        assert any({e.id for e in same_doc if e.group in {ex[i].group for i in f["test_index"]}}
                   for f in r["folds"])


def test_nested_cv_is_honest_where_leakage_would_show(leak_data):
    """End to end with the real train_model (target mode): the honest nested CV is near
    chance on the per-document random labels; the same loop with a fit that also sees the
    test rows (a leak) is near perfect -- so a leak in nested_cv would be detected."""
    from sklearn.metrics import average_precision_score

    from screener.classifier.model import nested_cv

    ex, F = leak_data
    cfg = _leak_cfg()
    y = np.array([e.flag for e in ex if e.source == "dev"])
    honest = nested_cv(ex, F, cfg, seeds=(0,), outer_folds=3)[0]
    assert all(f["mode"] == "target" and f["target_weight"] in (1.0, 5.0) for f in honest["folds"])
    ap_honest = average_precision_score(y, honest["p_flag"])

    def leaky_fit(train_ex, train_F, cfg):  # trains on everything, test rows included
        return train_model(ex, F, cfg)

    leaky = nested_cv(ex, F, cfg, seeds=(0,), outer_folds=3, fit=leaky_fit)[0]
    ap_leaky = average_precision_score(y, leaky["p_flag"])
    assert ap_leaky > 0.9
    assert ap_honest < 0.7 and ap_honest < ap_leaky - 0.25


def test_target_mode_trains_saves_and_loads(leak_data, tmp_path):
    ex, F = leak_data
    for kw in ({}, {"flag_stack": "small", "rule_or": True}):
        model = train_model(ex, F, _leak_cfg(**kw), version="t")
        assert model.meta["mode"] == "target" and model.meta["target_weight"] in (1.0, 5.0)
        assert model.meta["target_C"] in TrainConfig().target_C_grid
        # every (dev weight, C) pair was tried, and the best one by the inner CV kept
        trials = model.meta["target_trials"]
        assert sorted((t["target_weight"], t["C"]) for t in trials) == sorted(
            (w, c) for w in (1.0, 5.0) for c in TrainConfig().target_C_grid)
        def crit(t):
            return t["flag_f1"] + t["category_micro_f1"]

        chosen = next(t for t in trials if (t["target_weight"], t["C"]) == (model.meta["target_weight"],
                                                                          model.meta["target_C"]))
        assert crit(chosen) == max(crit(t) for t in trials)
        if kw.get("rule_or"):
            assert model.thresholds["flag_rules"] == 0.0
        p1, c1 = model.predict_proba(F)
        out = write_model_dir(model, tmp_path / f"m-{len(kw)}", {})
        p2, c2 = load_model(out).predict_proba(F)
        assert np.allclose(p1, p2) and np.allclose(c1, c2)
    # without enough target examples: corpus mode
    corpus_only = [e for e in ex if e.source != "dev"]
    m = train_model(corpus_only, F.subset([i for i, e in enumerate(ex) if e.source != "dev"]), _leak_cfg())
    assert m.meta["mode"] == "corpus"


def test_the_target_grid_in_two_processes_gives_the_same_model(leak_data):
    ex, F = leak_data
    one = train_model(ex, F, _leak_cfg(), version="t")
    two = train_model(ex, F, _leak_cfg(), version="t", workers=2)
    assert one.meta["target_trials"] == two.meta["target_trials"]
    p1, c1 = one.predict_proba(F)
    p2, c2 = two.predict_proba(F)
    assert np.array_equal(p1, p2) and np.array_equal(c1, c2)


def test_summarise_runs():
    from screener.classifier.evaluate import summarise_runs

    mean, sd = summarise_runs([{"f1": 0.7, "n": 3}, {"f1": 0.8, "n": 3}])
    assert mean["f1"] == pytest.approx(0.75) and sd["f1"] == pytest.approx(0.0707, abs=1e-3)
    assert sd["n"] == 0.0
