"""Activation memory in the MobileNetV2 paper's Table 3 accounting (costcalc/footprint.py).

The paper's Table 3 is in Kb of 16-bit values: its max row, 1600K for V1 and 400K for V2, is the
bytes of the largest tensor that has to be materialized. Closed forms carry their arithmetic.
"""

from __future__ import annotations

import json

import pytest

from costcalc.archs import resolve_model
from costcalc.errors import CostcalcError
from costcalc.footprint import materialized, streams_bottlenecks


def _sides(fp):
    return {r.side: (r.largest.layer, r.largest.shape[0], r.bytes) for r in fp.rows}


def test_mobilenet_v1_every_output_is_materialized():
    fp = materialized(resolve_model("mobilenet_v1"))
    assert not fp.streamed
    assert fp.peak.values == 112 * 112 * 64 == 802_816
    assert fp.peak.bytes == 802_816 * 2 == 1_605_632  # the paper's "1600K"
    assert fp.peak.largest.layer == "b1_pw"
    assert _sides(fp) == {
        112: ("b1_pw", 64, 112 * 112 * 64 * 2),    # 1,605,632
        56: ("b2_pw", 128, 56 * 56 * 128 * 2),     # 802,816
        28: ("b4_pw", 256, 28 * 28 * 256 * 2),     # 401,408
        14: ("b6_pw", 512, 14 * 14 * 512 * 2),     # 200,704
        7: ("b12_pw", 1024, 7 * 7 * 1024 * 2),     # 100,352
        1: ("pool", 1024, 1024 * 2),               # 2,048
    }


def test_mobilenet_v2_streams_its_bottlenecks():
    m = resolve_model("mobilenet_v2")
    assert streams_bottlenecks(m) and not streams_bottlenecks(resolve_model("mobilenet_v1"))
    fp = materialized(m)
    assert fp.streamed
    assert fp.peak.values == 112 * 112 * 16 == 200_704  # ×2 bytes = 401,408: the paper's "400K"
    assert fp.peak.bytes == 401_408
    assert _sides(fp) == {
        112: ("b1_project", 16, 112 * 112 * 16 * 2),  # conv1 (32 ch) streamed: the first-layer trick
        56: ("b2_project", 24, 56 * 56 * 24 * 2),
        28: ("b4_project", 32, 28 * 28 * 32 * 2),
        14: ("b11_project", 96, 14 * 14 * 96 * 2),
        7: ("b17_project", 320, 7 * 7 * 320 * 2),      # conv_last (1280 ch) streamed into the pool
        1: ("pool", 1280, 1280 * 2),
    }
    names = {t.layer for t in fp.tensors}
    assert not names & {"conv1", "b2_expand", "b2_dw", "conv_last"}
    assert "b3_add" in names  # residual sums are block outputs: materialized


def test_mobilenet_v3_streams_but_materializes_what_its_gates_scale():
    fp = materialized(resolve_model("mobilenet_v3_large"))
    assert fp.streamed
    sides = _sides(fp)
    # 112 px: conv1 (16 ch, h-swish) streamed into block 1, whose output 112·112·16 remains
    assert sides[112] == ("b1_project", 16, 112 * 112 * 16 * 2)  # 401,408
    # 14 px: block 12's SE pools all of its 672-channel depthwise output before scaling it, so
    # the scaled map cannot stream: 14·14·672 = 131,712 values
    assert sides[14] == ("b12_se_scale", 672, 14 * 14 * 672 * 2)
    names = {t.layer for t in fp.tensors}
    assert "b12_dw" not in names and "b12_expand" not in names  # the expansion still streams


def test_without_streaming_v2_needs_more_than_v1():
    fp = materialized(resolve_model("mobilenet_v2"), stream=False)
    assert fp.peak.largest.layer == "b2_expand"
    assert fp.peak.bytes == 112 * 112 * 96 * 2 == 2_408_448  # > V1's 1,605,632


def test_width_and_dtype_scale_the_footprint():
    half = materialized(resolve_model("mobilenet_v1", alpha=0.5), "float32")
    assert half.peak.bytes == 112 * 112 * 32 * 4  # 1,605,632: α halves channels, float32 doubles bytes
    small = materialized(resolve_model("mobilenet_v1", resolution=128), "int8")
    assert small.peak.bytes == 64 * 64 * 64 * 1


def test_other_architectures_have_a_footprint():
    for name in ("dense1_mobilenet", "googlenet", "vgg16"):
        fp = materialized(resolve_model(name))
        assert fp.rows and fp.peak.bytes == max(r.bytes for r in fp.rows) and not fp.streamed


def test_bad_dtype():
    with pytest.raises(CostcalcError, match="--dtype must be one of"):
        materialized(resolve_model("mobilenet_v1"), "float8")


def test_cli_memory_json_and_paper_note(costcalc_cli):
    r = costcalc_cli("model", "mobilenet_v2", "--memory", "--format", "json", python_flags=("-X", "importtime"))
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)["memory"]
    assert data["peak_bytes"] == 401_408 and data["peak_values"] == 200_704 and data["streamed"]
    assert data["published_max"] == "400K"  # 401,408 bytes
    assert data["rows"][-1]["unstreamed_bytes"] == 2_408_448
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in r.stderr.splitlines()
                if line.startswith("import time:")}
    assert "costcalc" in imported and "torch" not in imported
    table = costcalc_cli("model", "mobilenet_v1", "--memory")
    assert table.returncode == 0 and "1,605,632 bytes" in table.stdout and "1600K" in table.stdout


def test_cli_memory_errors(costcalc_cli):
    for args, message in ((("--memory", "--dtype", "fp8"), "'fp8' is not one of 'float32'"),
                          (("--dtype", "float32"), "--dtype applies to --memory only")):
        r = costcalc_cli("model", "mobilenet_v1", *args)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
