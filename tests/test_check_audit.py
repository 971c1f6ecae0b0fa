"""`costcalc audit`: reading (sentences, headings, code), formulas found with and without
delimiters, symbols defined in prose, the kind the words name, numbers in prose and the
tolerance rule, the annotated copy, and examples/article.md pinned.

examples/article_audit.txt is the audit's output for examples/article.md, checked here to be
current (regenerate it with
``COLUMNS=100 NO_COLOR=1 costcalc audit examples/article.md > examples/article_audit.txt``).
The corpus of whole articles is tests/test_check_articles.py.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from costcalc.check.audit import audit, audit_text
from costcalc.check.document import SPAN, read
from costcalc.check.numeric import NumClaim, agrees
from costcalc.check.prose import Reader, Source, decide, stated_values

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "article.md"


def rows(text: str, fmt: str = "markdown", let=None):
    return [(r.line, r.verdict) for r in audit_text(text, fmt=fmt, let=let).rows]


# -- the issue's own example: a short article written the ordinary way ------------------------

NEW_USER = """\
# Counting multiplications

A depthwise convolution applies one filter per input channel, so it
costs $D_K \\cdot M \\cdot D_F^2$ mult-adds.

For a 5×5 filter (m = 5) on an N×N image, the m×m filter costs $(N-2)(N-2) m \\cdot m$.

A 3×3 filter slid over an N×N image costs $(N-2)(N-2) \\cdot 3 \\cdot 3$ multiplications.

With 3×3 kernels a depthwise separable layer performs 100 times fewer multiplications than a
standard one. Its cost is reduced 8 to 9 times. The spatially separable 3×3 filter needs about
66% of the multiplications of the full one, for large images.
"""


def test_the_new_user_article_gets_every_verdict_right():
    a = audit_text(NEW_USER)
    got = {(r.line, r.claim): r for r in a.rows}
    dw = got[(4, "D_K \\cdot M \\cdot D_F^2")]
    assert dw.verdict == "not equal" and dw.kind == "depthwise"  # kind named on the line above
    assert "agrees when D_K = 1" in dw.note and "'depthwise'" in dw.words
    m5 = got[(6, "(N-2)(N-2) m \\cdot m")]
    assert m5.verdict == "not equal" and m5.kind == "spatial_standard"
    assert "agrees when m = 3" in m5.note
    assert m5.binding["m"].startswith("Dk") and m5.binding["N"].startswith("Di")
    three = got[(8, "(N-2)(N-2) \\cdot 3 \\cdot 3")]
    assert three.verdict == "equal" and "at the stated m = 3" in three.note  # the text's name
    hundred = got[(10, "100 times")]
    assert hundred.verdict == "not equal" and "8.99" not in hundred.note
    assert "9 times fewer" in hundred.note  # 1/N + 1/9 → 1/9 for large N
    assert got[(11, "8 to 9 times")].verdict == "equal"
    assert got[(11, "about 66%")].verdict == "equal"
    assert a.failed


# -- reading ---------------------------------------------------------------------------------

def test_sentences_run_across_lines_and_open_blocks():
    text = ("Since the filter is slided Dp x Dp times across all the M channels, so the\n\n"
            "Total number of multiplication = M x Dp x Dp x Dk x Dk (eq. 7)\n\n"
            "## Depthwise\n\nThe cost is:\n\n$$D_K^2 M D_F^2$$\n\nwhere M is the number of input channels.\n")
    doc = read(text)
    first = doc.sentences[0]
    assert first.flat.startswith("Since") and first.spans[-1].tag == "7"  # one sentence, two blocks
    assert first.spans[-1].label.endswith("Total number of multiplication")
    assert [s.heading for s in doc.sentences[1:]] == ["Depthwise"]
    last = doc.sentences[1]  # 'The cost is: $$…$$ where M is …' reads as one sentence
    assert last.flat.count(SPAN) == 1 and "where M is" in last.flat
    assert last.spans[0].line == 9


@pytest.mark.parametrize("line, heading", [
    ("## 2.1 Spatial", "2.1 Spatial"), ("2.1** Spartial Seperable Convolution**", "Spartial Seperable Convolution"),
    ("**Convolution Layers**", "Convolution Layers"), ("Standard convolutions and depthwise", "Standard convolutions and depthwise"),
])
def test_headings_in_their_many_forms(line, heading):
    doc = read(f"{line}\n\nThe standard convolution costs $D_K^2 M N D_F^2$.\n", "text")
    assert doc.sentences[0].heading == heading


def test_latex_sections_environments_and_comments():
    doc = read("\\section{Grouped}\n% $M N$ in a comment\n\\begin{align}\n C_{\\mathrm{dw}} &= K^2 M H^2 \\\\\n"
               " C_{\\mathrm{pw}} &= M N H^2\n\\end{align}\n\\begin{verbatim}\nx = M*N\n\\end{verbatim}\n",
               "latex")
    spans = [sp for s in doc.sentences for sp in s.spans]
    assert [(sp.line, sp.body) for sp in spans] == [(4, "C_{\\mathrm{dw}}  = K^2 M H^2"), (5, "C_{\\mathrm{pw}}  = M N H^2")]
    assert doc.sentences[0].section == "Grouped"


def test_code_is_not_prose():
    text = ("```python\nmacs = k * k * m * n\n```\n\n"
            "x = keras.layers.Conv2D(filters=32, kernel_size=3)(x)\n\n"
            "Run `costcalc audit examples/article_audit.txt` first.\n")
    assert audit_text(text).rows == []


def test_plain_formulas_labels_phrases_and_equation_references():
    doc = read("*No of multiplication in 1 convolution operation *= **Dk * Dk * M** *(eq 1)*\n\n"
               "Total = **N * Dp * Dp * (eq.1 )**(Multiplications per convolution)\n\n"
               "the total number of multiplications = **M x Dp x Dp x (no. of filters) ***(eq. 9)*\n\n"
               "A 2-D convolution of a 3x3 filter.\n", "text")
    bodies = [(sp.body, sp.tag) for s in doc.sentences for sp in s.spans]
    assert bodies[0] == ("Qlb1 = Dk * Dk * M", "1")  # the emphasis stars are not products
    assert bodies[1][0] == "Qlb1 = N * Dp * Dp * Qeq1"  # eq. 1 is a factor; the gloss is not
    assert bodies[2] == ("Qlb1 = M x Dp x Dp x Qph1", "9")
    assert len(bodies) == 3  # '2-D' and '3x3' are not formulas


# -- definitions and values ------------------------------------------------------------------

def test_symbols_defined_the_ways_articles_define_them():
    text = ("Suppose there is an input of size Df x Df x M. Suppose there are N kernels of size "
            "K x K x M. After convolution the output is R x R x N, where M is the number of "
            "input channels. An m x m kernel on an N x N image, with g groups (m = 5).")
    r = Reader(read(text, "text"))
    defs = {(d.name, d.role) for d in r.defs}
    assert {("Df", "Di"), ("M", "M"), ("K", "Dk"), ("N", "N"), ("R", "Df"), ("m", "Dk"),
            ("N", "Di"), ("g", "g")} <= defs
    assert r.values[-1].by_name == {"m": [Fraction(5)]}


def test_the_binding_is_printed_and_let_overrides_it():
    text = "Take an input of size P x P x M.\n\nThe pointwise layer costs $M \\cdot N \\cdot P^2$.\n"
    a = audit_text(text)
    assert a.rows[0].verdict == "not equal" and a.rows[0].binding["P"].startswith("Di (line 1")
    b = audit_text(text, let=["P=Df"])
    assert b.rows[0].verdict == "equal" and b.rows[0].binding["P"] == "Df (--let)"


@pytest.mark.parametrize("text, role, value", [
    ("For a 3×3 kernel", "Dk", 3), ("with M = N = 512", None, None), ("512 input channels", "M", 512),
    ("on a 14 x 14 feature map", "Df", 14), ("with stride 2", "s", 2), ("with 4 groups", "g", 4),
])
def test_stated_values(text, role, value):
    v = stated_values(text)
    if role is None:
        assert v.by_name == {"M": [512], "N": [512]}
    else:
        assert v.by_role[role] == [value]
    assert "1×1 convolution" not in str(stated_values("a 1×1 convolution").by_role)


# -- what the words claim --------------------------------------------------------------------

@pytest.mark.parametrize("before, kinds, words", [
    ("The depthwise separable convolution costs", ["separable"], "depthwise separable"),
    ("The depthwise layer costs", ["depthwise"], "depthwise"),
    ("In depth-wise operation, unlike standard CNNs, the cost is", ["depthwise"], "depth-wise"),
    ("Total multiplications = the sum of the depthwise and pointwise costs =", ["separable"], None),
    ("A grouped convolution with g groups costs", ["grouped"], "with g groups"),
    ("The pointwise grouped layer of ShuffleNet costs", ["pointwise_grouped", "grouped"], "grouped"),
    ("A single convolution operation =", ["standard_per_output"], "convolution"),
    ("Its parameter count is", [], None),
])
def test_the_kind_is_decided_by_the_nearest_naming_words(before, kinds, words):
    d = decide([Source("sentence", before + " ⟨formula⟩", len(before))])
    assert d.kinds == kinds
    if words:
        assert d.words == words


def test_a_heading_decides_when_the_sentence_names_nothing():
    d = decide([Source("sentence", "Total number of multiplication = ⟨formula⟩", 33),
                Source("heading", "Calculations for depth wise convolution", 39)])
    assert (d.kinds, d.source) == (["depthwise"], "heading")
    d = decide([Source("sentence", "so the ratio becomes ⟨formula⟩", 20),
                Source("heading", "Spatial separable convolution", 29)], dimensionless=True)
    assert d.kinds == ["spatial_ratio"]


# -- numbers in prose ------------------------------------------------------------------------

def claim(lo, hi=None, hedged=False, half=Fraction(0)):
    return NumClaim(0, 0, 0, "", "count", Fraction(lo), None if hi is None else Fraction(hi), hedged, half)


def test_the_tolerance_rule():
    # as written: everything that rounds to it
    assert agrees(Fraction(462_422_016), claim(462_000_000, half=Fraction(500_000)))
    assert not agrees(Fraction(462_622_016), claim(462_000_000, half=Fraction(500_000)))
    assert agrees(Fraction(8845, 1000), claim(Fraction(885, 100), half=Fraction(5, 1000)))
    # hedged: within 5% of the true value
    assert agrees(Fraction(2, 3), claim(Fraction(66, 100), hedged=True, half=Fraction(5, 1000)))
    assert not agrees(Fraction(2, 3), claim(Fraction(66, 100), half=Fraction(5, 1000)))
    assert not agrees(Fraction(9), claim(100, hedged=True, half=Fraction(1, 2)))
    # a range covers its ends
    assert agrees(Fraction(9), claim(8, 9, half=Fraction(1, 2)))


def test_numeric_claims_at_the_values_the_text_states():
    text = ("The standard 3×3 layer with M = N = 512 on a 14×14 map costs 462,422,016 mult-adds, "
            "about 462 million. The depthwise separable one costs 52.3 million mult-adds, roughly "
            "9 times fewer; it is 11% of the standard cost. A 5×5 one saves about 95% of it, "
            "not 95% (95.8% rounds to 96%).")
    got = {r.claim: (r.verdict, r.kind) for r in audit_text(text).rows}
    assert got["462,422,016 mult-adds"] == ("equal", "standard")
    assert got["about 462 million"] == ("equal", "standard")
    assert got["95%"][0] == "not equal"  # as written, 95% covers 94.5%–95.5% only
    assert got["52.3 million mult-adds"] == ("equal", "separable")
    assert got["roughly 9 times"][0] == "equal" and got["11%"][0] == "equal"
    assert got["about 95%"][0] == "equal"  # 1 − (1/512 + 1/25) = 95.8%


def test_a_worked_value_after_a_formula():
    text = ("With $D_K = 3$, $M = N = 512$ and $D_F = 14$ the standard convolution costs "
            "$D_K^2 M N D_F^2 = 462M$ mult-adds.\n\n"
            "With $D_K = 3$, $M = N = 512$ and $D_F = 14$ the depthwise layer costs "
            "$D_K^2 M D_F^2 = 9.03M$.\n")
    a = audit_text(text)
    assert [r.verdict for r in a.rows] == ["equal", "not equal"]
    assert "903,168" in a.rows[1].note


def test_unverifiable_says_why():
    # four undefined symbols for two roles: not every reading was tried, so nothing is proved
    a = audit_text("The depthwise layer costs $D_K^2 \\cdot W \\cdot X \\cdot Y \\cdot Z$.\n\n"
                   "Depthwise separable layers cost 52.3 million mult-adds.\n\n"
                   "The network reaches 70.6% top-1 accuracy.\n")
    reasons = [(r.verdict, r.reason) for r in a.rows]
    assert reasons == [("unverifiable", "undefined"), ("unverifiable", "no-value"),
                       ("unverifiable", "accuracy")]
    assert "'W', 'X', 'Y', 'Z' are not defined" in a.rows[0].note
    assert "needs Df" in a.rows[1].note


def test_notes_list_what_was_not_checked():
    a = audit_text("A $D_K \\times D_K$ kernel, $M = 3$ channels, the cost $D_K^2 M N D_F^2$.\n")
    assert "D_K \\times D_K (line 1)" in a.notes[0] and "M = 3 (line 1)" in a.notes[0]


# -- the annotated copy ----------------------------------------------------------------------

def test_annotate_writes_a_reviewed_copy_atomically(tmp_path):
    src = tmp_path / "a.md"
    text = "The depthwise layer costs $D_K \\cdot M \\cdot D_F^2$.\nSecond line.\n\nThe end.\n"
    src.write_text(text, encoding="utf-8")
    a = audit(str(src))
    out = tmp_path / "a.reviewed.md"
    a.annotate(str(out))
    assert src.read_text(encoding="utf-8") == text  # the input is never modified
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[:3] == text.split("\n")[:2] + [""]  # the review goes after the paragraph
    assert lines[3].startswith("> ✗ costcalc, line 1: `D_K \\cdot M \\cdot D_F^2`")
    assert "D_K²·M·D_F²" in lines[3]
    assert lines[5:] == ["The end.", ""]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "a.reviewed.md"]  # no temp left


def test_annotate_refuses_to_overwrite_the_article(tmp_path):
    from costcalc.errors import CostcalcError

    src = tmp_path / "a.tex"
    src.write_text("The standard convolution costs $K^2 M N H^2$.\n", encoding="utf-8")
    a = audit(str(src))
    with pytest.raises(CostcalcError, match="never modified"):
        a.annotate(str(src))
    a.annotate(str(tmp_path / "out.tex"))
    assert (tmp_path / "out.tex").read_text(encoding="utf-8").split("\n")[2].startswith("% ✓ costcalc")


# -- examples/article.md ---------------------------------------------------------------------

# line -> (verdict, what the note must say)
PINNED = {
    8: ("equal", "standard convolution MACs"),
    10: ("equal", "depthwise convolution MACs"),
    11: ("equal", "pointwise"),
    13: ("equal", "depthwise separable convolution MACs"),
    16: ("not equal", "agrees when D_I = D_F"),                # input side in the depthwise part
    19: ("equal", "M·P²·(R² + N)"),                           # P and R defined in the sentence
    24: ("equal", "depthwise separable convolution MACs"),    # aligned LaTeX, 2 rows, 1 chain
    30: ("equal", "depthwise separable convolution weights"),
    38: ("equal", "separable / standard MACs"),
    40: ("equal", "at the stated D_K = 3"),                   # 'since the kernel is 3×3'
    42: ("not equal", "0.1131"),                              # 1/512 + 1/9 = 0.1131, not 0.0113
    46: ("equal", "α·ρ²·D_K²·M·D_F²"),
    48: ("equal", "grouped convolution MACs"),
    52: ("equal", "k×1 then 1×k"),
    54: ("not equal", "only for large N"),                    # 2/k is the limit, not the ratio
    58: ("not equal", "agrees when s = 1"),                   # no floor
    60: ("not equal", "agrees when h = D_F"),                 # v2 §3.3 exact only at stride 1
}


@pytest.fixture(scope="module")
def article_audit():
    return audit(str(ARTICLE))


def test_article_verdicts_are_pinned(article_audit):
    formulas = [r for r in article_audit.rows if r.what == "formula"]
    got = {r.line: (r.verdict, r.note) for r in formulas}
    assert sorted(got) == sorted(PINNED)
    for line, (verdict, says) in PINNED.items():
        assert got[line][0] == verdict, (line, got[line])
        assert says in got[line][1], (line, got[line])
    numbers = [(r.line, r.claim, r.verdict) for r in article_audit.rows if r.what == "number"]
    assert numbers == [(42, "about 88 times", "not equal")]
    assert article_audit.failed


def test_article_audit_txt_is_current(costcalc_cli):
    r = costcalc_cli("audit", "examples/article.md", env={"COLUMNS": "100"})
    assert r.returncode == 1  # the article has wrong formulas on purpose
    expected = (ROOT / "examples" / "article_audit.txt").read_text(encoding="utf-8")
    assert r.stdout == expected, "regenerate examples/article_audit.txt (see module docstring)"
