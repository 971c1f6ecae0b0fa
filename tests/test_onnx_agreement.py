"""The same number both ways (issue #18): every registered architecture and twelve torchvision
models, exported with torch.onnx.export (dynamo) and counted from the file, give exactly the
`paper` total of counting the module — and `--convention onnx-tool` gives exactly what the real
onnx-tool computes on that file. About a minute on 2 cores: the export is the cost."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxscript")

from costcalc.archs import ARCHS  # noqa: E402
from costcalc.onnx import conventions as oc  # noqa: E402
from costcalc.onnx.count import profile_onnx  # noqa: E402
from costcalc.onnx.export import agreement, export_model, load_weighted  # noqa: E402

# CNNs of every family the zoo has (residual, inverted residual + SE, fire, channel shuffle,
# dense, inception, NAS, RegNet, LayerNorm + depthwise 7×7) and one transformer (attention).
ZOO = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
       "squeezenet1_0", "shufflenet_v2_x1_0", "densenet121", "googlenet", "mnasnet1_0",
       "regnet_x_400mf", "convnext_tiny", "vit_b_16"]
TARGETS = list(ARCHS) + [f"torchvision:{n}" for n in ZOO]


def _onnx_tool_total(proto) -> int:
    """onnx-tool's own forward MACs, as onnx_tool.model_profile computes them."""
    onnx_tool = pytest.importorskip("onnx_tool")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = onnx_tool.Model(proto).graph
        g.graph_reorder_nodes()
        g.shape_infer(None)
        g.profile(exclude_ops=onnx_tool.NoMacsOps)
    return int(round(g.macs[0]))


@pytest.mark.parametrize("target", TARGETS)
def test_paper_total_survives_export_and_onnx_tool_is_reproduced(target):
    if target.startswith("torchvision:"):
        pytest.importorskip("torchvision")
    shape = (1, 3, 224, 224)
    model, label = load_weighted(target, shape)
    proto = export_model(model, shape)
    c = agreement(model, shape, label, proto)
    fp = c["file_profile"]
    assert fp.unmodelled == {}
    assert c["file"]["paper"] == c["module"]["paper"]  # category by category: conv and linear
    assert sum(c["file"]["paper"].values()) > 0
    assert c["file"]["flops"] == c["module"]["flops"]
    assert sum(oc.onnx_tool(fp).values()) == _onnx_tool_total(proto)
    assert oc.onnx_tool_unmirrored(fp) == {}


@pytest.mark.parametrize("norm", ["group", "instance"])
def test_onnx_tool_is_reproduced_on_exported_group_and_instance_norm(norm):
    # Both export as InstanceNormalization (GroupNorm with a Reshape around it, Mul + Add after).
    nn = torch.nn
    layer = nn.GroupNorm(2, 8) if norm == "group" else nn.InstanceNorm2d(8, affine=True)
    model = nn.Sequential(nn.Conv2d(3, 8, 1), layer).eval()
    proto = export_model(model, (1, 3, 16, 16))
    fp = profile_onnx(proto)
    assert "InstanceNormalization" in {r.op for r in fp.rows}
    assert sum(oc.onnx_tool(fp).values()) == _onnx_tool_total(proto)
