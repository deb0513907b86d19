"""Tests for the synthetic corpus generator (bot/learning/synth)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.learning.synth import generate as gen
from bot.learning.synth import noise, phrases
from bot.learning.synth.scenarios import Banks, parse, phrase_key, split_items
from bot.scoring.lexicon import contains_sexual_term
from bot.scoring.normalize import normalize
from bot.scoring.tactics import TACTICS as DETECTOR_TACTICS

pytest.importorskip("chitchat_dataset")

CORPUS = Path(__file__).resolve().parents[3] / "bot" / "learning" / "corpus"
SMALL = {"grooming": 40, "benign": 40, "chitchat": 20}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture(scope="module")
def small() -> dict[str, list]:
    return gen.generate(seed=3, sizes=SMALL)


def _records(splits: dict[str, list]) -> dict[str, list[dict]]:
    return {k: [rec for rec, _ in v] for k, v in splits.items()}


def check_record(rec: dict) -> None:
    assert set(rec) >= {"id", "label", "suspect", "context", "participants", "messages"}
    assert isinstance(rec["id"], str) and rec["id"]
    assert rec["label"] in ("grooming", "benign")
    assert rec["context"] in ("dm", "channel")
    parts = rec["participants"]
    assert len(parts) == 2
    for uid, info in parts.items():
        assert re.fullmatch(r"u\d{4,7}", uid)
        assert info["age_band"] in ("adult", "minor", None)
    if rec["label"] == "grooming":
        assert rec["suspect"] in parts
    else:
        assert rec["suspect"] is None
    msgs = rec["messages"]
    assert len(msgs) >= 2
    times = []
    for m in msgs:
        assert m["author"] in parts
        assert isinstance(m["text"], str) and m["text"].strip()
        assert TS.match(m["ts"])
        times.append(datetime.strptime(m["ts"], "%Y-%m-%dT%H:%M:%SZ"))
        for t in m.get("tactics", []):
            assert t in phrases.TACTICS
        if "tactics" in m:
            assert rec["label"] == "grooming" and m["author"] == rec["suspect"]
    assert times == sorted(times)
    assert {m["author"] for m in msgs} == set(parts)


def test_format_contract(small):
    for split, records in _records(small).items():
        assert (
            len(records)
            == sum(round(v * gen.DEV_FRACTION) if split == "dev" else v for v in SMALL.values())
            or split == "dev"
        )
        for rec in records:
            check_record(rec)
            json.loads(json.dumps(rec))  # plain JSON
        grooming = [r for r in records if r["label"] == "grooming"]
        assert grooming and all(any(m.get("tactics") for m in r["messages"]) for r in grooming)


def test_deterministic_with_seed():
    a = _records(gen.generate(seed=11, sizes={"grooming": 5, "benign": 5, "chitchat": 4}))
    b = _records(gen.generate(seed=11, sizes={"grooming": 5, "benign": 5, "chitchat": 4}))
    c = _records(gen.generate(seed=12, sizes={"grooming": 5, "benign": 5, "chitchat": 4}))
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(c)


def test_phrase_banks_split_disjoint():
    train, dev = Banks("train"), Banks("dev")
    for tactic in phrases.TACTICS:
        tk = {phrase_key(x) for x in train.tactics[tactic]}
        dk = {phrase_key(x) for x in dev.tactics[tactic]}
        assert tk and dk and not tk & dk, tactic
        # every phrasing is used by exactly one split
        assert len(tk | dk) == len({phrase_key(x) for x in phrases.TACTIC_BANKS[tactic]})
    for name in phrases.SCENARIOS:
        t = {" ".join(e) for e in train.scenarios[name]}
        d = {" ".join(e) for e in dev.scenarios[name]}
        assert t and d and not t & d, name


def test_tactic_banks_are_large():
    for tactic, bank in phrases.TACTIC_BANKS.items():
        assert len({phrase_key(x) for x in bank}) >= 60, tactic
        for raw in bank:
            for extra in parse(raw).extra:
                assert extra in phrases.TACTICS, raw


def test_split_keeps_spelling_variants_together():
    items = ["how old are you", "how old r u", "How old are u?", "whats ur snap", "asl"]
    parts = split_items(items)
    sides = {x: ("dev" if x in parts["dev"] else "train") for x in items}
    assert sides["how old are you"] == sides["how old r u"] == sides["How old are u?"]


def test_dev_built_only_from_dev_phrasings(small):
    train_keys = {phrase_key(x) for b in Banks("train").tactics.values() for x in b}
    dev_keys = {phrase_key(x) for b in Banks("dev").tactics.values() for x in b}
    for _, script in small["dev"]:
        if script is not None:
            assert script.used <= dev_keys
            assert not script.used & train_keys
    for _, script in small["train"]:
        if script is not None:
            assert not script.used & dev_keys


def test_dev_tactic_messages_unseen_in_train(small):
    def texts(records):
        return {
            noise.canonical(m["text"]) for r in records for m in r["messages"] if m.get("tactics")
        }

    recs = _records(small)
    assert not texts(recs["train"]) & texts(recs["dev"])


def test_chitchat_split_disjoint():
    cc = gen.load_chitchat()
    key = lambda conv: tuple((m["sender"], m["timestamp"]) for m in conv)  # noqa: E731
    train = {key(c) for c in cc["train"]}
    dev = {key(c) for c in cc["dev"]}
    assert train and dev and not train & dev


def test_no_overlapping_ids(small):
    recs = _records(small)
    ids = [r["id"] for split in recs.values() for r in split]
    assert len(ids) == len(set(ids))
    authors = [a for split in recs.values() for r in split for a in r["participants"]]
    assert len(authors) == len(set(authors))


def test_label_balance_and_no_easy_leaks(small):
    for records in _records(small).values():
        groom = [r for r in records if r["label"] == "grooming"]
        benign = [r for r in records if r["label"] == "benign"]
        hard = [r for r in benign if r.get("scenario") != "chitchat"]
        assert len(hard) >= len(groom) > 0
        assert 0.2 <= len(groom) / len(records) <= 0.5


def test_noise_is_deterministic_and_keeps_meaning():
    import random

    style = noise.random_style(random.Random(1))
    a = noise.apply("how old are you? i don't know", style, random.Random(5))
    b = noise.apply("how old are you? i don't know", style, random.Random(5))
    assert a == b
    assert noise.canonical("How old r u?") == noise.canonical("how old are you")


def test_generator_tactics_are_named_as_the_detector_names_them():
    assert set(phrases.TACTICS) <= {tactic.name for tactic in DETECTOR_TACTICS}


# --------------------------------------------------------- the committed corpus
@pytest.fixture(scope="module")
def corpus() -> dict[str, list[dict]]:
    if not (CORPUS / "train.jsonl").exists():
        pytest.skip("corpus not generated")
    return {
        split: [json.loads(line) for line in (CORPUS / f"{split}.jsonl").open(encoding="utf-8")]
        for split in ("train", "dev")
    }


def test_committed_corpus_contract_and_size(corpus):
    total = sum((CORPUS / f"{s}.jsonl").stat().st_size for s in ("train", "dev"))
    assert total < 6.5e6
    for records in corpus.values():
        for rec in records:
            check_record(rec)
    assert len(corpus["dev"]) * 3 < len(corpus["train"]) < len(corpus["dev"]) * 5


def test_committed_corpus_balance(corpus):
    for records in corpus.values():
        by_label: dict[str, list[dict]] = {"grooming": [], "benign": []}
        for r in records:
            by_label[r["label"]].append(r)
        groom, benign = by_label["grooming"], by_label["benign"]
        hard = [r for r in benign if r.get("scenario") != "chitchat"]
        assert len(hard) >= len(groom)
        mean = {k: sum(len(r["messages"]) for r in v) / len(v) for k, v in by_label.items()}
        assert 0.8 < mean["grooming"] / mean["benign"] < 1.25
        for rs in (groom, benign):
            hidden = sum(all(p["age_band"] is None for p in r["participants"].values()) for r in rs)
            assert 0.4 < hidden / len(rs) < 0.6
            dm = sum(r["context"] == "dm" for r in rs)
            assert 0.5 < dm / len(rs) < 0.7


def test_committed_corpus_has_no_explicit_words(corpus):
    """Checked against the maintained word list the detector uses, built at run time."""
    for records in corpus.values():
        for r in records:
            for m in r["messages"]:
                assert not contains_sexual_term(normalize(m["text"])), m["text"]
