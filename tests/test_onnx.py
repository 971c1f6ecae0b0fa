"""costcalc.onnx: node rules on hand-built graphs, dynamic dimensions, the CLI on .onnx files,
ONNX Runtime timing, and the import boundaries (issue #18)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
from hypothesis import given, settings, strategies as st  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from costcalc.errors import CostcalcError  # noqa: E402
from costcalc.onnx import conventions as oc  # noqa: E402
from costcalc.onnx.count import CATEGORIES, profile_onnx  # noqa: E402

np = pytest.importorskip("numpy")


def _v1_64() -> int:
    from costcalc.archs import resolve_model

    return resolve_model("mobilenet_v1", resolution=64).macs


V1_64 = _v1_64()  # 47,368,192


def _model(nodes, inputs, outputs, inits=(), opset=20):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _w(name, shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def _conv_model(c, n, h, w, k, strides, pads, dilations, group, bias=False, auto_pad=None):
    attrs = dict(kernel_shape=[k, k], strides=strides, dilations=dilations, group=group)
    if auto_pad:
        attrs["auto_pad"] = auto_pad
    else:
        attrs["pads"] = pads
    ins = ["x", "w"] + (["b"] if bias else [])
    inits = [_w("w", (n, c // group, k, k))] + ([_w("b", (n,))] if bias else [])
    node = helper.make_node("Conv", ins, ["y"], **attrs)
    return _model([node], [_vi("x", [1, c, h, w])], [_vi("y", None)], inits)


def _paper(p):
    return sum(oc.get("paper")(p).values())


def test_categories_match_the_torch_profile():
    aten_ops = pytest.importorskip("costcalc.profile.aten_ops")
    assert CATEGORIES == aten_ops.CATEGORIES


def test_conv_closed_form_depthwise_separable_table3():
    # MobileNet v1 Table 3: dw 3×3 on 14×14×512 + pw 512→512: 3*3*512*14*14 + 512*512*14*14
    # = 903,168 + 51,380,224 = 52,283,392
    dw = helper.make_node("Conv", ["x", "wd"], ["d"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=512)
    pw = helper.make_node("Conv", ["d", "wp"], ["y"], kernel_shape=[1, 1])
    m = _model([dw, pw], [_vi("x", [1, 512, 14, 14])], [_vi("y", None)],
               [_w("wd", (512, 1, 3, 3)), _w("wp", (512, 512, 1, 1))])
    p = profile_onnx(m)
    assert _paper(p) == 52_283_392
    assert [r.attrs["groups"] for r in p.rows] == [512, 1]


def test_conv_auto_pad_same_upper_stride2_asymmetric():
    # TF-style SAME, stride 2 on 15×15: output 8×8, total pad (8-1)*2+3-15 = 2 → 1 each side
    # 3*3*16*32*8*8 = 294,912; bias adds 32*8*8 = 2,048
    p = profile_onnx(_conv_model(16, 32, 15, 15, 3, [2, 2], None, [1, 1], 1, bias=True,
                                 auto_pad="SAME_UPPER"))
    r = p.rows[0]
    assert r.out_shape == (1, 32, 8, 8) and r.macs == 294_912 and r.bias_ops == 2_048
    # 224×224 stride 2 SAME: total pad 1 → (0, 1), asymmetric: 3*3*3*32*112*112 = 10,838,016
    p = profile_onnx(_conv_model(3, 32, 224, 224, 3, [2, 2], None, [1, 1], 1, auto_pad="SAME_UPPER"))
    assert p.rows[0].out_shape == (1, 32, 112, 112) and p.rows[0].macs == 10_838_016


@settings(max_examples=40, deadline=None)
@given(c=st.sampled_from([1, 2, 4, 6]), mult=st.sampled_from([1, 2, 3]), g=st.sampled_from([1, 2]),
       k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2),
       pads=st.tuples(*[st.integers(0, 2)] * 4), h=st.integers(6, 12), w=st.integers(6, 12))
def test_conv_rule_equals_torch_pad_then_conv(c, mult, g, k, s, d, pads, h, w):
    """Any groups/stride/dilation/asymmetric pads: the ONNX rule counts what torch's hook counter
    counts on ZeroPad2d(pads) + Conv2d — shapes from onnx shape inference vs torch's kernels."""
    torch = pytest.importorskip("torch")
    from costcalc.counting.hooks import count

    if c % g:
        return
    n = c * mult
    pt, pl, pb, pr = pads
    if h + pt + pb < d * (k - 1) + 1 or w + pl + pr < d * (k - 1) + 1:
        return
    p = profile_onnx(_conv_model(c, n, h, w, k, [s, s], [pt, pl, pb, pr], [d, d], g, bias=True))
    with torch.device("meta"):
        net = torch.nn.Sequential(torch.nn.ZeroPad2d((pl, pr, pt, pb)),
                                  torch.nn.Conv2d(c, n, k, stride=s, dilation=d, groups=g))
    ref = count(net, (1, c, h, w), shape_rules=False)
    conv = [r for r in ref.records if r.cost.kind == "conv2d"][0]
    assert p.rows[0].macs == conv.cost.macs
    assert p.rows[0].bias_ops == conv.cost.bias_ops
    assert p.rows[0].out_shape[1:] == tuple(conv.cost.out_shape)


def test_gemm_matmul_batched_and_conv_transpose():
    # Gemm transB with bias: 8×256 @ (1000×256)ᵀ: 8*256*1000 = 2,048,000 MACs, 8,000 bias adds
    # MatMul (2,4,10,64)@(64,32) broadcast: 2*4*10*64*32 = 163,840
    # ConvTranspose 8→4, 3×3, stride 2 on 5×5: MACs on input positions 3*3*8*4*5*5 = 7,200
    nodes = [helper.make_node("Gemm", ["a", "wg", "bg"], ["ya"], transB=1),
             helper.make_node("MatMul", ["m", "wm"], ["ym"]),
             helper.make_node("ConvTranspose", ["t", "wt"], ["yt"], kernel_shape=[3, 3], strides=[2, 2])]
    m = _model(nodes, [_vi("a", [8, 256]), _vi("m", [2, 4, 10, 64]), _vi("t", [1, 8, 5, 5])],
               [_vi("ya", None), _vi("ym", None), _vi("yt", None)],
               [_w("wg", (1000, 256)), _w("bg", (1000,)), _w("wm", (64, 32)), _w("wt", (8, 4, 3, 3))])
    p = profile_onnx(m)
    rows = {r.op: r for r in p.rows}
    assert rows["Gemm"].macs == 2_048_000 and rows["Gemm"].bias_ops == 8_000
    assert rows["MatMul"].macs == 163_840
    assert rows["ConvTranspose"].macs == 7_200 and rows["ConvTranspose"].out_shape == (1, 4, 11, 11)
    # onnx-tool prices ConvTranspose per output position: 4*11*11 * 8/1*3*3... volume(y)·volume(W[1:])
    assert oc.onnx_tool_node(rows["ConvTranspose"]) == 4 * 11 * 11 * 4 * 3 * 3


def test_onnx_tool_prices_multi_input_pointwise_nodes_once():
    """onnx-tool's PWNode ratio is fixed before a node's inputs are attached, so it is 1: an
    InstanceNormalization (x, scale, B) costs 7 per output element, as the real tool says."""
    onnx_tool = pytest.importorskip("onnx_tool")
    import contextlib
    import io
    import warnings

    nodes = [helper.make_node("InstanceNormalization", ["x", "s", "b"], ["n"]),
             helper.make_node("Max", ["n", "x", "x"], ["y"])]
    m = _model(nodes, [_vi("x", [1, 8, 16, 16])], [_vi("y", [1, 8, 16, 16])],
               [_w("s", (8,)), _w("b", (8,))])
    # InstanceNormalization 1*8*16*16 * (1+1+1+4) = 14,336; Max 2,048 * 1 (ADD) = 2,048
    rows = {r.op: r for r in profile_onnx(m).rows}
    assert oc.onnx_tool_node(rows["InstanceNormalization"]) == 14_336
    assert oc.onnx_tool_node(rows["Max"]) == 2_048
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        g = onnx_tool.Model(m).graph
        g.graph_reorder_nodes()
        g.shape_infer(None)
        g.profile(exclude_ops=onnx_tool.NoMacsOps)
    assert sum(oc.onnx_tool(profile_onnx(m)).values()) == int(round(g.macs[0])) == 16_384


def test_attention_op_and_softmax_pattern():
    # opset-23 Attention, (B, H, S, d) = (1, 2, 16, 8): Q·Kᵀ 1*2*16*16*8 + P·V 1*2*16*16*8 = 8,192
    node = helper.make_node("Attention", ["q", "k", "v"], ["o"])
    m = _model([node], [_vi("q", [1, 2, 16, 8]), _vi("k", [1, 2, 16, 8]), _vi("v", [1, 2, 16, 8])],
               [_vi("o", None)], opset=23)
    p = profile_onnx(m)
    assert p.rows[0].category == "linear" and p.rows[0].macs == 8_192 and p.rows[0].ops == 2 * 16 * 16


def test_dynamic_dims_need_input_and_are_reported():
    m = _conv_model(3, 8, 32, 32, 3, [1, 1], [1, 1, 1, 1], [1, 1], 1)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[0].Clear()
    dims[0].dim_param = "batch"
    dims[2].Clear()
    dims[2].dim_param = "height"
    with pytest.raises(CostcalcError, match=r"dim 0 'batch', dim 2 'height' are dynamic; give --input"):
        profile_onnx(m)
    p = profile_onnx(m, (2, 3, 16, 32))
    assert p.bound == [("x", 0, "batch", 2), ("x", 2, "height", 16)]
    assert p.rows[0].macs == 2 * 3 * 3 * 3 * 8 * 16 * 32  # 221,184
    with pytest.raises(CostcalcError, match="disagrees at dim 1"):
        profile_onnx(m, (1, 4, 16, 32))


def test_unknown_ops_are_listed_never_zeroed():
    node = helper.make_node("FancyOp", ["x"], ["y"], domain="my.domain")
    m = helper.make_model(helper.make_graph([node], "g", [_vi("x", [1, 4])], [_vi("y", [1, 4])]),
                          opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("my.domain", 1)])
    p = profile_onnx(m)
    assert p.unmodelled == {"my.domain::FancyOp": 1} and p.rows[0].category == "unknown"


def test_torch_peers_do_not_apply():
    p = profile_onnx(_conv_model(3, 8, 8, 8, 3, [1, 1], [0, 0, 0, 0], [1, 1], 1))
    for name in oc.TORCH_ONLY:
        with pytest.raises(CostcalcError, match="does not apply"):
            oc.totals(p, [name])
    assert oc.canonical("macs") == "paper"


# -- CLI ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def v1_file(tmp_path_factory):
    """mobilenet_v1 at 64×64, exported once by the real CLI (dynamo exporter)."""
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from conftest import run_costcalc

    out = tmp_path_factory.mktemp("onnx") / "v1.onnx"
    r = run_costcalc("export", "mobilenet_v1", "--onnx", str(out), "--input", "1,3,64,64", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    # 568,740,352 at 224 scales as (64/224)² for the convs: paper at 64×64 below, both ways
    assert d["totals"]["paper"]["module"] == d["totals"]["paper"]["file"] == V1_64
    assert d["paper_equal"] and d["rewrites"]["FuseBatchNormIntoConv"] == 27
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    return out


def test_cli_profile_and_reconcile_onnx(costcalc_cli, v1_file):
    r = costcalc_cli("profile", str(v1_file), "--per-layer", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["total"] == V1_64 and d["format"] == "onnx"
    assert {row["module"] for row in d["layers"] if row["op"] == "Conv"} >= {"b1_dw_bn", "conv1_bn"}
    r = costcalc_cli("reconcile", str(v1_file), "-f", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "category,paper,flops,all-ops,onnx-tool"
    r = costcalc_cli("roofline", str(v1_file), "-f", "json")
    assert r.returncode == 0, r.stderr
    kinds = {k["kind"]: k for k in json.loads(r.stdout)["by_kind"]}
    assert kinds["depthwise"]["layers"] == 13 and kinds["pointwise"]["layers"] == 13


@pytest.mark.parametrize("args,msg", [
    (["profile", "{f}", "--convention", "thop"], "does not apply"),
    (["profile", "{f}", "--input", "1,3,32,32"], "disagrees at dim 2"),
    (["profile", "no/such.onnx"], "no such file"),
    (["profile", "{f}", "--device", "cpu"], "does not apply to an ONNX file"),
    (["bench", "{f}", "--runtime", "torch"], "time it with --runtime onnxruntime"),
])
def test_cli_onnx_errors_one_line(costcalc_cli, v1_file, args, msg):
    r = costcalc_cli(*[a.format(f=v1_file) for a in args])
    assert r.returncode == 2 and msg in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_cli_export_bad_target_folder_writes_nothing(costcalc_cli, tmp_path):
    pytest.importorskip("torch")
    r = costcalc_cli("export", "mobilenet_v1", "--onnx", str(tmp_path / "no" / "x.onnx"))
    assert r.returncode == 2 and "does not exist" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = costcalc_cli("export", "mobilenet_v1", "--onnx", str(tmp_path / "x.txt"))
    assert r.returncode == 2 and "ending in .onnx" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_not_an_onnx_file_is_one_line(costcalc_cli, tmp_path):
    bad = tmp_path / "junk.onnx"
    bad.write_bytes(b"\x00not a model\xff" * 10)
    r = costcalc_cli("profile", str(bad))
    assert r.returncode == 2 and "not a readable ONNX model" in r.stderr, r.stderr


def test_bench_onnxruntime(costcalc_cli, v1_file):
    pytest.importorskip("onnxruntime")
    r = costcalc_cli("bench", str(v1_file), "--threads", "1", "-n", "3", "-w", "1", "--per-layer", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    kinds = {k["kind"]: k for k in d["by_kind"]}
    assert kinds["Conv DW 3×3"]["layers"] == 13 and kinds["Conv 1×1"]["layers"] == 13
    # v1's channels are multiples of 16: ORT's NCHWc kernels pad nothing, so both counts agree
    assert d["macs"] == V1_64 and d["kernel_macs"] == V1_64 == sum(k["kernel_macs"] for k in d["by_kind"])
    assert d["total"]["median_ms"] > 0 and d["threads"] == 1 and len(d["nodes"]) >= 28


def test_bench_macs_is_the_paper_count_when_ort_pads():
    """JSON ``macs`` means the papers' count, as in every command; ORT's padded kernel count is
    ``kernel_macs`` (rows and total), and the table says which is which."""
    from costcalc.cli.onnx import bench_report
    from costcalc.onnx.runtime import NodeTiming, OrtLatency
    from costcalc.profile.timing import Stats

    t = Stats.of([1e-3, 1e-3])
    # a 1×1 conv 24 → 24 on 8×8: 24·24·64 = 36,864 paper MACs; padded to 32 → 32: 32·32·64 = 65,536
    r = OrtLatency("pad.onnx", (1, 24, 8, 8), 1, 1, 2, t, t,
                   [NodeTiming("c", "Conv", "Conv 1×1", 65_536, t), NodeTiming("r", "ReorderInput", "layout", 0, t)],
                   file_macs=36_864)
    rep = bench_report(r, per_layer=True)
    assert rep.data["macs"] == 36_864 and rep.data["kernel_macs"] == 65_536
    assert "file_paper_macs" not in rep.data
    assert [k["kernel_macs"] for k in rep.data["by_kind"]] == [65_536, 0]
    assert rep.data["nodes"][0]["kernel_macs"] == 65_536 and "macs" not in rep.data["nodes"][0]
    assert "36,864 MACs" in rep.tables[0].title
    assert [c.header for c in rep.tables[1].columns if "MACs" in c.header][0] == "kernel MACs"
    assert any("+28,672" in n for n in rep.notes)  # 65,536 − 36,864


def test_bench_rates_say_which_macs_they_divide():
    """The summary's GMAC/s are the paper MACs over each row's time (whole model and node sum
    alike); the by-kind and per-node rates are kernel MACs, and their header says so."""
    from costcalc.cli.onnx import bench_report
    from costcalc.onnx.runtime import NodeTiming, OrtLatency
    from costcalc.profile.timing import Stats

    t = Stats.of([1e-3, 1e-3])  # every median 1 ms
    r = OrtLatency("pad.onnx", (1, 24, 8, 8), 1, 1, 2, t, t,
                   [NodeTiming("c", "Conv", "Conv 1×1", 65_536, t), NodeTiming("r", "ReorderInput", "layout", 0, t)],
                   file_macs=36_864)
    rep = bench_report(r, per_layer=True)
    summary, kinds, nodes = rep.tables
    whole, _, node_sum = summary.rows
    assert whole["gmacs_per_s"] == pytest.approx(36_864 / 1e-3 / 1e9)  # 0.036864 paper GMAC/s
    assert node_sum["gmacs_per_s"] == pytest.approx(36_864 / 2e-3 / 1e9)  # two nodes: 2 ms
    assert kinds.rows[-1]["gmacs_per_s"] == pytest.approx(65_536 / 2e-3 / 1e9)  # kernel MACs
    assert [c.header for c in kinds.columns if c.key == "gmacs_per_s"] == ["kernel GMAC/s"]
    assert [c.header for c in nodes.columns if c.key == "gmacs_per_s"] == ["kernel GMAC/s"]
    assert any("GMAC/s (summary): the paper MACs" in n for n in rep.notes)


# -- import boundaries -------------------------------------------------------------------------

from test_cli_compare import _imported  # noqa: E402  (the -X importtime log reader)


def test_analytic_commands_import_no_onnx(costcalc_cli):
    r = costcalc_cli("compare", "--kernel", "3", "--channels", "512", python_flags=("-X", "importtime"))
    assert r.returncode == 0
    names = _imported(r)
    assert "costcalc" in names and not {"onnx", "onnxruntime", "onnxscript", "torch"} & names


def test_profiling_an_onnx_file_imports_no_torch(costcalc_cli, v1_file):
    r = costcalc_cli("profile", str(v1_file), python_flags=("-X", "importtime"))
    assert r.returncode == 0
    names = _imported(r)
    assert "onnx" in names and "torch" not in names and "onnxruntime" not in names


def test_missing_extra_is_one_line(tmp_path, v1_file):
    """With onnx unimportable, the ONNX commands say how to install the extra, in one line."""
    import subprocess
    import sys

    from conftest import cli_env

    block = tmp_path / "block"
    for name in ("onnx", "onnxruntime"):
        (block / name).mkdir(parents=True)
        (block / name / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    env = cli_env()
    env["PYTHONPATH"] = os.pathsep.join([str(block), env["PYTHONPATH"]])
    for args in (["profile", str(v1_file)], ["bench", str(v1_file)]):
        r = subprocess.run([sys.executable, "-m", "costcalc", *args], capture_output=True, text=True,
                           env=env, cwd=Path(__file__).resolve().parent.parent, timeout=120)
        assert r.returncode == 2 and "pip install 'costcalc[onnx]'" in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_cli_export_dynamic_batch_then_bind(costcalc_cli, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    out = tmp_path / "v1dyn.onnx"
    r = costcalc_cli("export", "mobilenet_v1", "--onnx", str(out), "--input", "1,3,64,64", "--dynamic-batch")
    assert r.returncode == 0, r.stderr
    r = costcalc_cli("profile", str(out))
    assert r.returncode == 2 and "dim 0 'batch' is dynamic; give --input" in r.stderr
    r = costcalc_cli("profile", str(out), "--input", "3,3,64,64", "-f", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["total"] == 3 * V1_64 and d["bound"] == [{"input": "x", "dim": 0, "name": "batch", "value": 3}]
