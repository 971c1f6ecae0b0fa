"""The article corpus: every formula and numeric claim of the nine articles in tests/articles/
has its expected verdict in tests/articles/expected/<article>.json, and the audit gets all of
them right.

The four seed articles (000-003) are real web articles, copied with their mistakes; the other
five were written for these tests, each in its own style (blog Markdown, LaTeX paper excerpt,
plain-text lecture notes, Markdown study notes, an H × W × C' blog post) with deliberate errors: a
wrong exponent, a missing group divisor, (N−2) forms at m ≠ 3, α applied to one channel only,
a ratio with 1/K instead of 1/K², a false '100×', wrong worked numbers, a false network figure.
Each expected entry pins the verdict, the kind and a phrase of the note (the condition under
which a wrong claim would hold, the true value, or the reason a claim cannot be checked).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costcalc.check.audit import audit

ARTICLES = Path(__file__).resolve().parent / "articles"
EXPECTED = sorted((ARTICLES / "expected").glob("*.json"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def audits() -> dict:
    return {p.stem: audit(str(ARTICLES / _load(p)["article"])) for p in EXPECTED}


def test_the_corpus_is_complete():
    names = {_load(p)["article"] for p in EXPECTED}
    on_disk = {p.name for p in ARTICLES.iterdir() if p.is_file() and p.name != "README.md"}
    assert names == on_disk, "every article has its expected verdicts, and only those"
    assert len(names) >= 9


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_every_claim_gets_its_expected_verdict(expected, audits):
    want = _load(expected)["claims"]
    got = audits[expected.stem].rows
    assert [(r.line, r.claim) for r in got] == [(c["line"], c["claim"]) for c in want], \
        "the audit found other claims than the expected ones"
    for r, c in zip(got, want):
        where = f"{expected.stem} line {c['line']}: {c['claim']}"
        assert r.verdict == c["verdict"], (where, r.note)
        assert r.kind == c["kind"], (where, r.kind)
        assert c["note_has"] in r.note, (where, r.note)
        if r.verdict == "unverifiable":
            assert r.reason, where  # a specific reason, machine-readable


def test_no_false_claim_is_equal(audits):
    """The claims the corpus marks wrong are never reported equal (and none unverifiable)."""
    wrong = 0
    for p in EXPECTED:
        for r, c in zip(audits[p.stem].rows, _load(p)["claims"]):
            if c["verdict"] == "not equal":
                wrong += 1
                assert r.verdict == "not equal", (p.stem, c)
    assert wrong >= 20


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_exit_status_follows_the_claims(expected, audits):
    a = audits[expected.stem]
    assert a.failed == any(c["verdict"] == "not equal" for c in _load(expected)["claims"])
