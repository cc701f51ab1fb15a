"""Extraction quality on pages this project did not write: the public corpora in ../shared/corpora.

Every run scores extract_article on aed-news-2023 and daniel-ru-2012 and holds body precision, recall,
F1 and date accuracy at or above the floors in tests/fixtures/extraction/corpus_floors.json. The inputs
are pinned by a digest; floors only go up (`bench/bench_extraction.py --pin-floors REASON`), and an entry
that lowers one must say so (`"lowered": true`) with its reason. Missing corpora fail the gate, they never skip it.
"""

from __future__ import annotations

import pytest
from public_corpora import CORPORA, METRICS, corpora_dir, digest, read_floors, score


@pytest.fixture(scope="module")
def pinned() -> dict:
    return read_floors()


def _folder(name: str):
    folder = corpora_dir() / name
    if not (folder / "ground-truth.jsonl").is_file():
        pytest.fail(f"the extraction gate needs the public corpus {name} at {folder} (set NEWSLAKE_CORPORA to "
                    f"the folder holding {', '.join(CORPORA)}); it is not in the repository by licence")
    return folder


def test_floors_only_go_up_unless_an_entry_says_why(pinned):
    history = pinned["history"]
    assert history, "corpus_floors.json has no history"
    for before, after in zip(history, history[1:], strict=False):
        lowered = [f"{c}.{m}" for c in CORPORA for m in METRICS
                   if (after["floors"][c].get(m) or 0) < (before["floors"][c].get(m) or 0)]
        if lowered:
            assert after.get("lowered") is True and after.get("reason", "").strip(), (
                f"floors lowered without \"lowered\": true and a reason: {lowered} in entry {after.get('when')}")
    assert {c: pinned["corpora"][c]["floors"] for c in CORPORA} == history[-1]["floors"]


@pytest.mark.parametrize("name", CORPORA)
def test_public_corpus_stays_above_its_floors(pinned, name):
    folder = _folder(name)
    entry = pinned["corpora"][name]
    found = digest(folder)
    assert found == entry["sha256"], (f"{name} at {folder} is not the corpus the floors were pinned on "
                                      f"(sha256 {found}, pinned {entry['sha256']})")
    figures = score(folder)
    floors = entry["floors"]
    print(f"\n{name}: {figures.pages} pages")
    for metric in METRICS:
        value = figures.as_dict()[metric]
        print(f"  {metric:<10} {'-' if value is None else f'{value:.3f}'}  floor {floors.get(metric, '-')}")
    below = {m: (round(v, 4), floors[m]) for m, v in figures.as_dict().items()
             if m in floors and (v is None or v < floors[m])}
    assert not below, f"{name} below its floors (found, floor): {below}"
