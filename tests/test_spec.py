"""Spec files (costcalc.archs.spec): every block type resolved, built in torch and checked
symbolic = hooks = aten; hand-computed block costs; the built-ins are spec files; and every
kind of bad spec is one line naming the file, the line and what is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from costcalc.archs import ARCHS, BUILTIN, HERE, get, resolve_model
from costcalc.archs.spec import BLOCKS, KEYS, SpecError, loads
from costcalc.errors import CostcalcError

ROOT = Path(__file__).resolve().parent.parent
HEAD = 'name = "t"\ninput = { side = 32 }\nwidth = "floor"\n'
STEM = '[[layers]]\nblock = "conv"\nid = "stem"\nc = 16\ns = 2\n'  # 32 → 16 px, 16 channels
TAIL = ('[[layers]]\nblock = "global_pool"\nid = "pool"\n'
        '[[layers]]\nblock = "fc"\nid = "fc"\nclasses = 10\n')

# One small use of every block type, after STEM (16 channels, 16×16). A new block type fails
# test_every_block_has_a_case until it gets one here.
CASES = {
    "conv": 'block = "conv"\nc = 8\nk = 5\ns = 2\ng = 2\nbias = true',
    "depthwise": 'block = "depthwise"\ns = 2\nact = "relu6"',
    "pointwise": 'block = "pointwise"\nc = 24\ng = 4',
    "separable": 'block = "separable"\nc = 32\ns = 2',
    "inverted_residual": ('block = "inverted_residual"\nse = 0.25\nact = "HS"\nse_gate = "hardsigmoid"\n'
                          'columns = ["t", "c", "n", "s"]\nrows = [[1, 16, 1, 1], [4, 24, 2, 2]]'),
    "fused_mbconv": ('block = "fused_mbconv"\nact = "silu"\nse = 0.25\nse_of = "in"\n'
                     'columns = ["t", "c", "n", "s"]\nrows = [[1, 16, 2, 1], [4, 24, 2, 2]]'),
    "squeeze_excite": 'block = "squeeze_excite"\nse = 0.5\nse_act = "silu"',
    "dense_block": 'block = "dense_block"\nunits = 3\ngrowth = 4',
    "transition": 'block = "transition"\ncompression = 0.5',
    "fire": 'block = "fire"\ns1x1 = 4\ne1x1 = 8\ne3x3 = 8\nbias = true\nbn = false',
    "inception": ('block = "inception"\nc1x1 = 4\nc3x3r = 4\nc3x3 = 8\nc5x5r = 2\nc5x5 = 4\n'
                  'pool_proj = 4'),
    "shuffle_unit": ('block = "shuffle_unit"\ng = 2\nfirst_g = 1\ncolumns = ["c", "n", "s"]\n'
                     'rows = [[32, 2, 2]]'),
    "channel_shuffle": 'block = "channel_shuffle"\ng = 4',
    "max_pool": 'block = "max_pool"\nk = 3\ns = 2\nceil_mode = true',
    "avg_pool": 'block = "avg_pool"\nk = 2',
    "global_pool": 'block = "global_pool"\nid = "gp"',
    "adaptive_pool": 'block = "adaptive_pool"\nsize = 3',
    "flatten": 'block = "global_pool"\nid = "gp"\n[[layers]]\nblock = "flatten"',
    "fc": 'block = "global_pool"\nid = "gp"\n[[layers]]\nblock = "fc"\nc = 64\nact = "relu"',
    "add": ('block = "pointwise"\nid = "pw"\nt = 1\n[[layers]]\nblock = "add"\nfrom = ["stem", "pw"]\n'
            'act = "relu"'),
    "concat": 'block = "pointwise"\nid = "pw"\nc = 8\n[[layers]]\nblock = "concat"\nfrom = ["stem", "pw"]',
    "activation": 'block = "activation"\nact = "hardswish"',
}


def _spec(tmp_path, body: str, head: str = HEAD, name: str = "net.toml") -> str:
    path = tmp_path / name
    tail = TAIL if "global_pool" not in body else TAIL[TAIL.index("[[layers]]\nblock = \"fc\""):]
    path.write_text(head + STEM + f"[[layers]]\n{body}\n" + tail, encoding="utf-8")
    return str(path)


def test_every_block_has_a_case():
    assert set(CASES) == set(BLOCKS)
    assert all(b.doc for b in BLOCKS.values())  # a one-line docstring each
    for b in BLOCKS.values():  # every key a block takes is documented once, in KEYS
        assert set(b.defaults) <= set(KEYS), b.name


@pytest.mark.parametrize("alpha", [1.0, 0.5])
@pytest.mark.parametrize("block", sorted(CASES))
def test_every_block_resolves_and_verifies(tmp_path, block, alpha):
    pytest.importorskip("torch")
    from costcalc.counting.verify import verify_model

    m = resolve_model(_spec(tmp_path, CASES[block]), alpha=alpha)
    v = verify_model(m)
    assert v.ok, v.mismatches
    assert v.aten_total == m.macs and v.torch_params == m.params("bn")


def _layers(tmp_path, body):
    m = resolve_model(_spec(tmp_path, body))
    return {l.id: l for l in m.layers}


def test_fire_cost_by_hand(tmp_path):
    L = _layers(tmp_path, 'block = "fire"\nid = "fire2"\ns1x1 = 4\ne1x1 = 8\ne3x3 = 8')
    # on 16 channels at 16×16: squeeze 16·4·256 = 16,384; expand 1×1 4·8·256 = 8,192;
    # expand 3×3 9·4·8·256 = 73,728
    assert [L[f"fire2_{p}"].cost.macs for p in ("squeeze", "expand1x1", "expand3x3")] == \
        [16_384, 8_192, 73_728]
    assert L["fire2_cat"].out_shape == (16, 16, 16) and L["fire2_cat"].inputs == (
        "fire2_expand1x1_relu", "fire2_expand3x3_relu")


def test_shuffle_unit_cost_by_hand(tmp_path):
    L = _layers(tmp_path, 'block = "shuffle_unit"\nid = "u"\nc = 32\ns = 2\ng = 2')
    # 16 → 32 at stride 2, g = 2, bottleneck 32/4 = 8: gconv1 (16/2)·8·16² = 16,384;
    # dw 9·8·8² = 4,608 (16 → 8 px); gconv2 (8/2)·16·8² = 4,096 (the branch makes 32 − 16)
    assert [L[f"u_{p}"].cost.macs for p in ("gconv1", "dw", "gconv2")] == [16_384, 4_608, 4_096]
    assert L["u_gconv1"].args["groups"] == 2 and L["u_shuffle"].args["groups"] == 2
    # the authors' order at stride 2: ReLU on the branch, then the concatenation
    assert L["u_cat"].inputs == ("u_shortcut", "u_relu") and L["u_relu"].inputs == ("u_gconv2_bn",)
    assert L["u_cat"].out_shape == (32, 8, 8) and L["u_shortcut"].kind == "avg_pool"


def test_inverted_residual_with_se_by_hand(tmp_path):
    L = _layers(tmp_path, 'block = "inverted_residual"\nid = "b"\nt = 4\nc = 16\nse = 0.25\n'
                          'se_round = "divisible8"\nse_gate = "hardsigmoid"')
    # 16 → 64 expand, 3×3 dw, SE squeeze make_divisible(64 // 4, 8) = 16, project 64 → 16,
    # stride 1 and 16 = 16: a residual add. expand 16·64·256 = 262,144; dw 9·64·256 = 147,456;
    # SE reduce 64·16, expand 16·64 (1×1 maps); project 64·16·256 = 262,144
    assert [L[f"b_{p}"].cost.macs for p in ("expand", "dw", "se_reduce", "se_expand", "project")] == \
        [262_144, 147_456, 1_024, 1_024, 262_144]
    assert L["b_add"].inputs == ("stem_relu", "b_project_bn")
    assert L["b_se_hardsigmoid"].act == "hardsigmoid" and L["b_se_reduce"].cost.bias == 16


def test_ids_templates_rows_and_repeats(tmp_path):
    m = resolve_model(_spec(tmp_path, CASES["inverted_residual"]))
    ids = [l.id for l in m.layers]
    # rows (1,16,1,1) and (4,24,2,2): blocks b1, b2, b3 (the template's counter runs on)
    assert "b1_dw" in ids and "b3_dw" in ids and "b4_dw" not in ids
    assert "b1_expand" not in ids  # t = 1: no expansion
    assert m.layer("b2_dw").args["stride"] == 2 and m.layer("b3_dw").args["stride"] == 1
    assert "b3_add" in ids and "b2_add" not in ids  # a residual where stride 1 and widths match


def test_options_and_defaults(tmp_path):
    head = HEAD + 'options = { growth_rate = 4 }\ndefaults = { growth = "growth_rate", unit = "separable" }\n'
    path = _spec(tmp_path, 'block = "dense_block"\nid = "d"\nunits = 2', head=head)
    assert get(path).options == ("growth_rate",)
    assert resolve_model(path).layer("d_out").out_shape == (16 + 2 * 4, 16, 16)
    assert resolve_model(path, growth_rate=12).layer("d_out").out_shape == (16 + 2 * 12, 16, 16)
    assert resolve_model(path).layer("d_u2_dw").args["groups"] == 20  # separable units


def test_from_reads_any_earlier_block_or_layer(tmp_path):
    body = ('block = "conv"\nid = "a"\nc = 16\n[[layers]]\nblock = "conv"\nid = "b"\nc = 16\n'
            'from = "stem"\n[[layers]]\nblock = "concat"\nid = "ab"\nfrom = ["a", "b_bn"]')
    L = _layers(tmp_path, body)
    assert L["b"].inputs == ("stem_relu",)  # a block id stands for its last layer
    assert L["ab"].inputs == ("a_relu", "b_bn") and L["ab"].out_shape == (32, 16, 16)


def test_width_rules_and_scale_with_alpha(tmp_path):
    body = 'block = "conv"\nid = "c1"\nc = 100\n[[layers]]\nblock = "conv"\nid = "c2"\nc = 100\nscale_with_alpha = false'
    for width, expect in (("floor", 33), ("round", 34), ("divisible8", 32)):  # 100·0.335 = 33.5
        p = _spec(tmp_path, body, head=HEAD.replace('"floor"', f'"{width}"'), name=f"{width}.toml")
        m = resolve_model(p, alpha=0.335)
        assert m.layer("c1").args["c_out"] == expect, width
        assert m.layer("c2").args["c_out"] == 100
    up = _spec(tmp_path, 'block = "conv"\nid = "c"\nc = 100\nscale_with_alpha = "up"', name="up.toml")
    assert resolve_model(up, alpha=0.5).layer("c").args["c_out"] == 100  # never shrinks
    assert resolve_model(up, alpha=1.5).layer("c").args["c_out"] == 150  # grows with α > 1


def test_input_channels(tmp_path):
    p = _spec(tmp_path, CASES["separable"], head=HEAD.replace("{ side = 32 }", "{ side = 32, channels = 1 }"))
    m = resolve_model(p)
    assert m.layer("stem").args["c_in"] == 1 and get(p).in_channels == 1
    assert m.layer("stem").cost.macs == 9 * 1 * 16 * 16 * 16  # 3·3·1·16·16² = 36,864


# -- the built-ins are spec files ----------------------------------------------------------------

def test_builtins_are_spec_files():
    tomls = {p.stem for p in HERE.glob("*.toml")}
    assert tomls == set(BUILTIN) and set(BUILTIN) <= set(ARCHS)
    for name in BUILTIN:
        assert ARCHS[name].spec is not None and ARCHS[name].spec.name == name
    assert not [p.name for p in HERE.glob("*.py") if p.name not in ("__init__.py", "spec.py",
                                                                    "published.py")]  # one way in
    from costcalc.archs import VARIANT_ARCHS, VARIANTS
    assert {p.stem for p in (HERE / "variants").glob("*.toml")} == set(VARIANTS.values()) == set(VARIANT_ARCHS)


def test_readme_documents_every_block_type():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [b for b in BLOCKS if f"`{b}`" not in text]
    assert not missing


def test_package_data_ships_the_specs():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"costcalc.archs" = ["*.toml", "variants/*.toml"]' in text
    assert "tomli" in text and "python_version < '3.11'" in text


# -- bad specs: one line, file and line, what is wrong --------------------------------------------

BASE = """name = "bad"
input = { side = 64 }
width = "floor"

[[layers]]
block = "conv"
id = "conv1"
c = 16
s = 2

[[layers]]
block = "inverted_residual"
id = "b{i}"
columns = ["t", "c", "n", "s"]
rows = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
]

[[layers]]
block = "global_pool"
id = "pool"

[[layers]]
block = "fc"
id = "fc"
classes = 10
"""

BAD = [
    # (replace this, with this, line, message)
    ('block = "inverted_residual"', 'block = "inverted_residul"', 12, "unknown block type \"inverted_residul\" (did you mean 'inverted_residual'?)"),
    ('block = "inverted_residual"', 'block = "mbconv"', 12, "(did you mean 'inverted_residual'?)"),
    ("  [6, 24, 2, 2],", "  [6, 24, 2],", 17, "row 2: 3 values for 4 columns (t, c, n, s): missing column 's'"),
    ("  [6, 24, 2, 2],", '  [6, "six", 2, 2],', 17, 'row 2: c expected a whole number, got "six"'),
    ('columns = ["t", "c", "n", "s"]', 'columns = ["t", "ch", "n", "s"]', 14, "column 'ch': inverted_residual takes no key 'ch' (did you mean 'c'?)"),
    ("c = 16\ns = 2", "cc = 16\ns = 2", 8, "conv takes no key 'cc' (did you mean 'c'?)"),
    ("c = 16\ns = 2", "s = 2", 5, "give exactly one of 'c' or 't'"),
    ('width = "floor"', 'width = "flor"', 3, "width must be one of floor, round, divisible8, got \"flor\" (did you mean 'floor'?)"),
    ('id = "b{i}"', 'id = "b"', 17, "id 'b' names one layer but n = 2 repeats the block"),
    ("classes = 10", "classes = 10\nc = 10", 24, "give exactly one of 'c' or 'classes', not c and classes"),
    ("input = { side = 64 }", "input = { side = 64, chanels = 1 }", 2, "input: unknown key 'chanels' (did you mean 'channels'?)"),
    ('name = "bad"', 'name = "bad"\nlayer = []', 2, "unknown top-level key 'layer' (did you mean 'layers'?)"),
    ('id = "pool"', 'id = "conv1"', 22, "id 'conv1' is already used by layers #1 (line 7)"),
    ("[[layers]]\nblock = \"conv\"", "[[layers]\nblock = \"conv\"", "5:9", "not valid TOML"),
    ("s = 2\n", "s = 2\nact = \"gelu\"\n", 10, "act unknown activation 'gelu'"),
]


@pytest.mark.parametrize("old,new,line,message", BAD, ids=[b[3][:40] for b in BAD])
def test_bad_spec_load(old, new, line, message):
    assert old in BASE
    with pytest.raises(SpecError) as e:
        loads(BASE.replace(old, new, 1), "bad.toml")
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith(f"bad.toml:{line}: "), text
    assert message in text, text


@pytest.mark.parametrize("old,new,alpha,message", [
    ("c = 16\ns = 2", "c = 1\ns = 2", 0.5, "layers #1 (conv 'conv1'): at α = 0.5, 64 px: 1 channels × α 0.5 = 0.5 rounds to 0"),
    ("c = 16\ns = 2", "c = 16\ns = 64", 1.0, "layers #2 (inverted_residual 'b2'), row 2: at α = 1, 64 px: stride 2 on a 1×1 map leaves no pixels"),
    ("classes = 10", 'classes = 10\n[[layers]]\nblock = "add"\nfrom = ["fc", "conv1"]', 1.0, "add needs a C×H×W map, but fc is a vector of 10 features"),
    ('id = "pool"', 'id = "pool"\n[[layers]]\nblock = "add"\nfrom = ["b3", "conv1"]', 1.0, "add add1: shapes 24×16×16 (b3_add) and 16×32×32 (conv1_relu) differ"),
    ("classes = 10", 'classes = 10\n[[layers]]\nblock = "concat"\nfrom = ["pool", "nope"]', 1.0, "'from': no block or layer 'nope' before this one"),
])
def test_bad_spec_resolve(tmp_path, old, new, alpha, message):
    p = tmp_path / "bad.toml"
    p.write_text(BASE.replace(old, new, 1))
    with pytest.raises(CostcalcError) as e:
        resolve_model(str(p), alpha=alpha)
    text = str(e.value)
    assert "\n" not in text and text.startswith(f"{p}:"), text
    assert message in text, text


def test_bad_spec_cli_is_one_line(tmp_path, costcalc_cli):
    p = tmp_path / "bad.toml"
    p.write_text(BASE.replace('block = "inverted_residual"', 'block = "inverted_residul"'))
    for cmd in (("model", str(p)), ("sweep", str(p)), ("fit", str(p), "--max-macs", "1M"),
                ("profile", str(p)), ("model", str(tmp_path / "missing.toml"))):
        r = costcalc_cli(*cmd)
        assert r.returncode == 2 and r.stdout == "", cmd
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert re.match(r"costcalc: error: .*\.toml(:\d+)?: ", r.stderr), r.stderr


def test_user_file_is_reread_when_it_changes(tmp_path):
    p = _spec(tmp_path, 'block = "conv"\nid = "x"\nc = 8')
    assert resolve_model(p).layer("x").args["c_out"] == 8
    Path(p).write_text(Path(p).read_text().replace("c = 8", "c = 24"))
    import os
    os.utime(p, ns=(1, 10**18))  # a different mtime even on a coarse clock
    assert resolve_model(p).layer("x").args["c_out"] == 24
