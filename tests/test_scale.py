"""Screening a collection with an existing engine: ``screener.batch.screen_file`` run by a
local Dask cluster of two worker processes (README, "Screening a large collection").

Skipped when dask.distributed is not installed (``pip install -e .[scale]``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed (extra: scale)")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "screener/samples/du_thao_nghi_dinh_mau.txt"


def _screen(path: str, out_dir: str) -> dict:
    """The per-document task: the worker's scorer is loaded once (screener.batch.get_scorer)
    and reused by every task that runs in that worker process."""
    from screener.batch import screen_file

    summary, findings = screen_file(path, report_dir=out_dir, fmt="json")
    summary["categories"] = sorted({f.category for f in findings})
    return summary


def test_dask_local_cluster_screens_a_folder(tmp_path):
    from dask.distributed import Client, LocalCluster

    from screener.batch import find_files

    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        shutil.copy(SAMPLE, src / f"draft{i}.txt")
    (src / "broken.pdf").write_bytes(b"garbage")
    out = tmp_path / "out"
    out.mkdir()
    files = [str(p) for p in find_files(src)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit="2GiB") as cluster, Client(cluster) as client:
        futures = client.map(_screen, files, out_dir=str(out), pure=False)
        summaries = client.gather(futures)
        workers = len(client.scheduler_info()["workers"])
    assert workers == 2
    by_name = {Path(s["file"]).name: s for s in summaries}
    assert not by_name["broken.pdf"]["ok"] and by_name["broken.pdf"]["error"]
    good = [by_name[f"draft{i}.txt"] for i in range(3)]
    assert all(s["ok"] for s in good)
    assert len({s["findings"] for s in good}) == 1 and good[0]["findings"] > 0
    assert sorted(p.name for p in out.iterdir()) == [f"draft{i}.txt.json" for i in range(3)]
