"""Bytes per layer and peak activation memory (sequential schedule)."""

import pytest

torch = pytest.importorskip("torch")

from costcalc.profile.aten_ops import profile_model  # noqa: E402
from costcalc.profile.memory import layer_memory, peak_activation  # noqa: E402
from costcalc.profile.target import load_model  # noqa: E402


def test_conv_layer_bytes():
    p = profile_model(load_model("mobilenet_v1"), (1, 3, 224, 224))
    first = layer_memory(p, "float16")[0]
    # 3x3x3x32 weights, 3x224x224 in, 32x112x112 out, 2 bytes each
    assert (first.param_bytes, first.in_bytes, first.out_bytes) == (864 * 2, 150528 * 2, 401408 * 2)


def test_peak_v1_sequential():
    p = profile_model(load_model("mobilenet_v1"), (1, 3, 224, 224))
    peak, _ = peak_activation(p, "float16")
    # BN (not fused, not in place) after the first 64-channel pointwise conv: in and out are
    # both 112x112x64, so 2 * 802,816 elements * 2 bytes = 3,211,264
    assert peak == 2 * 112 * 112 * 64 * 2


def test_bad_dtype():
    from costcalc.errors import CostcalcError
    from costcalc.profile.memory import dtype_bytes

    with pytest.raises(CostcalcError):
        dtype_bytes("float8")
