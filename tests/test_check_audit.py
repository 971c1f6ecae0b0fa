"""`costcalc audit`: formulas found in an article, and the verdicts on examples/article.md pinned.

examples/article.md holds right and deliberately wrong formulas; examples/article_audit.txt is
the audit's output, checked here to be current (regenerate it with
``COLUMNS=100 NO_COLOR=1 costcalc audit examples/article.md > examples/article_audit.txt``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.check.audit import audit, audit_text, claimed, extract

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "article.md"

# line -> (verdict, what the note must say)
PINNED = {
    8: ("equal", "standard convolution MACs"),
    10: ("equal", "depthwise convolution MACs"),
    11: ("equal", "pointwise"),
    13: ("equal", "depthwise separable convolution MACs"),
    16: ("not equal", "agrees when D_I = D_F"),                # input side in the depthwise part
    19: ("equal", "with P=Df, R=Dk"),                         # MxPxPx(RxR + N) under a binding
    25: ("equal", "depthwise separable convolution MACs"),    # aligned LaTeX, 2 rows, 1 chain
    30: ("equal", "depthwise separable convolution weights"),
    38: ("equal", "separable / standard MACs"),
    40: ("not equal", "agrees when Dk = 3"),                  # 1/N + 1/9 passed off as general
    42: ("not equal", "off by 10×"),                          # 1/512 + 1/9 = 0.1131, not 0.0113
    46: ("equal", "scaled by α, ρ"),
    48: ("equal", "grouped convolution MACs"),
    52: ("equal", "k×1 then 1×k"),
    54: ("not equal", "only for large N"),                    # 2/k is the limit, not the ratio
    58: ("not equal", "agrees when s = 1 and d = 1"),         # no floor, no dilation
    60: ("not equal", "agrees when h = Df"),                  # v2 §3.3 exact only at stride 1
}


@pytest.fixture(scope="module")
def article_audit():
    return audit(str(ARTICLE))


def test_article_verdicts_are_pinned(article_audit):
    got = {r.line: (r.verdict, r.note) for r in article_audit.rows}
    assert sorted(got) == sorted(PINNED)
    for line, (verdict, says) in PINNED.items():
        assert got[line][0] == verdict, (line, got[line])
        assert says in got[line][1], (line, got[line])
    assert article_audit.failed


def test_article_audit_txt_is_current(costcalc_cli):
    r = costcalc_cli("audit", "examples/article.md", env={"COLUMNS": "100"})
    assert r.returncode == 1  # the article has wrong formulas on purpose
    expected = (ROOT / "examples" / "article_audit.txt").read_text(encoding="utf-8")
    assert r.stdout == expected, "regenerate examples/article_audit.txt (see module docstring)"


def test_extract_finds_every_delimiter_and_skips_code():
    text = "\n".join([
        "Inline $D_K^2 M$ and \\(M N D_F^2\\) here.",            # 1
        "$$",                                                   # 2
        "D_K^2 M N D_F^2",                                      # 3
        "$$",                                                   # 4
        "\\[ \\begin{aligned} A &= M N \\\\",                    # 5
        "&= N M \\end{aligned} \\]",                            # 6
        "```",                                                  # 7
        "x = M * N  # code: skipped",                           # 8
        "```",                                                  # 9
        "- Separable cost: M x Dp2 x (Dk2 + N) = Dk2 x M x Dp2 + M x N x Dp2",  # 10
        "Not a formula: the output = the input, roughly.",     # 11
        "<!-- $M N$ in a comment -->",                          # 12
        "Plain `M x N x Dp2` in code span.",                    # 13
    ])
    got = [(f.line, f.text) for f in extract(text)]
    assert got == [
        (1, "D_K^2 M"), (1, "M N D_F^2"), (3, "D_K^2 M N D_F^2"),  # the line of the formula
        (5, "A = M N = N M"),
        (10, "M x Dp2 x (Dk2 + N) = Dk2 x M x Dp2 + M x N x Dp2"),
        (13, "M x N x Dp2"),
    ]
    assert extract(text)[4].context == "Separable cost"


@pytest.mark.parametrize("context, kinds", [
    ("The depthwise separable convolution costs", ["separable", "spatial_separable"]),
    ("The depthwise layer costs", ["depthwise"]),
    ("and the pointwise layer has weights", ["pointwise_params"]),
    ("so the ratio to a standard convolution is", ["ratio", "spatial_ratio"]),
    ("the spatially separable saving ratio", ["spatial_ratio"]),
    ("The MobileNet v2 bottleneck costs", ["v2_block"]),
    ("with P for the output side, the separable cost is", ["separable", "spatial_separable"]),
    ("Hence", []),
])
def test_claims_from_the_words_before_a_formula(context, kinds):
    assert claimed(context) == kinds


def test_rows_for_unrecognised_refused_and_labels():
    a = audit_text("\n".join([
        "Something else: $D_K^3 M^2 N$.",
        "Evil: $__import__('os')$.",
        "$\\text{MACs} = D_K^2 M N D_F^2$",
        "$C = D_K^2 M N D_F^2 = D_K^2 M N D_F^2$",
        "Set $D_K = 3$ and $M = N = 512$.",
    ]))
    assert [(r.line, r.verdict) for r in a.rows] == [
        (1, "unrecognised"), (2, "refused"), (3, "equal"), (4, "equal")]
    assert a.rows[1].note.startswith("dunder names are not allowed")
    assert a.notes and "not checked" in a.notes[0]  # the two assignments on line 5
    assert not a.failed


def test_let_binds_symbols_for_the_audit():
    text = "The separable cost is $M P^2 (R^2 + N)$."
    assert audit_text(text).rows[0].binding == {"P": "Df", "R": "Dk"}
    wrong = audit_text(text, let=["P=Di", "R=Df"])  # bound the wrong way round
    assert wrong.rows[0].verdict == "not equal"
