"""Conformance: on every zoo model, each peer convention equals the real tool's own total, exactly,
and says it is exact (nothing left unmodelled). One test per (model, tool); the costcalc side is
profiled once per model.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from zoo import KNOWN_FAILURES, TOOLS, ZOO, ours, theirs  # noqa: E402

pytestmark = pytest.mark.zoo

CASES = [(m, t) for m in ZOO for t in TOOLS]


@pytest.mark.parametrize("model,tool", CASES, ids=[f"{m}-{t}" for m, t in CASES])
def test_convention_equals_the_real_tool(model, tool):
    from costcalc.profile import installed

    pytest.importorskip(installed.TOOLS[tool][0])
    result, outcome = ours(model)[tool], theirs(model, tool)
    known = KNOWN_FAILURES.get((model, tool))
    if known:  # the tool itself fails here; costcalc still counts, and the failure is still this
        assert outcome.error.startswith(known), outcome.error
        return
    assert not outcome.error, outcome.error
    assert result.exact, result.missing
    assert result.total == outcome.total, f"costcalc {result.total:,} vs {tool} {outcome.total:,}"


@pytest.mark.parametrize("model", ZOO)
def test_costcalc_attributes_every_op(model):
    """costcalc's own conventions price every aten op; paper MACs are FlopCounterMode's FLOPs halved."""
    r = ours(model)
    assert r["paper"].exact and r["all-ops"].exact, r["all-ops"].missing
    assert 2 * r["paper"].total == r["flops"].total


@pytest.mark.parametrize("model", ZOO)
def test_profile_speedups_change_nothing(model):
    """What ``costcalc profile`` counts — the model built on meta with its initialisers skipped,
    layers and ops replayed from records (costcalc/profile/replay.py) — is, field by field, what
    a plain meta build run through every kernel gives (tests/profile_facts.py)."""
    from profile_facts import differences, facts
    from zoo import SHAPE, build

    from costcalc.profile.aten_ops import profile_model
    from costcalc.profile.target import build as costcalc_build

    plain = facts(profile_model(build(model), SHAPE, replay=False))
    assert differences(plain, facts(profile_model(costcalc_build(model).model, SHAPE))) == []


def test_readme_table_is_the_zoo():
    """The README's conformance table (written by zoo_table.py) lists this zoo and these tools."""
    from pathlib import Path

    from zoo_table import BEGIN, END

    text = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [r for r in text.split(BEGIN)[1].split(END)[0].splitlines() if r.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == ZOO
    header = next(r for r in text.split(BEGIN)[1].splitlines() if r.startswith("| model"))
    assert [h.split()[0] for h in header.strip("| ").split(" | ")[2:]] == TOOLS
    for row in rows:
        cells = row.strip("| ").split(" | ")[2:]
        model = row.split("`")[1]
        assert all(c == "✓" or (model, t) in KNOWN_FAILURES for c, t in zip(cells, TOOLS)), row
