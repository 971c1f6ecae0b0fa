"""One vocabulary of options across commands (walked from the app, so a new command is held to
it): a short flag means one long option everywhere; an option name takes the same kind of value
everywhere; a fixed set of values is a choice list (or a completed name list checked by the
library); every value list goes through the one range parser."""

from __future__ import annotations

import pytest
import typer

from costcalc.cli import app, main
from costcalc.cli.common import CONVENTION_NAMES, ONNX_CONVENTION_NAMES, SHORT_FLAGS
from costcalc.report.tables import Format
from costcalc.units import DTYPE_BYTES
from test_cli_help import COMMANDS

OPTIONS = [(path, p) for path, cmd in COMMANDS for p in cmd.params
           if isinstance(p, typer.core.TyperOption)]


def test_a_short_flag_means_one_option_everywhere():
    for path, p in OPTIONS:
        shorts = [o for o in p.opts + p.secondary_opts if not o.startswith("--")]
        longs = [o for o in p.opts if o.startswith("--")]
        for s in shorts:
            assert s in SHORT_FLAGS, f"{' '.join(path)} {s}: add it to common.SHORT_FLAGS"
            assert SHORT_FLAGS[s] in longs, f"{' '.join(path)}: {s} is {SHORT_FLAGS[s]} elsewhere, here {longs}"


def test_c_is_channels_not_convention(capsys):
    with pytest.raises(SystemExit) as e:
        main(["profile", "mobilenet_v1", "-c", "paper"])
    assert e.value.code == 2 and "No such option: -c" in capsys.readouterr().err


def _choices(p):
    desc = p.type_descriptor
    return tuple(str(getattr(c, "value", c)) for c in desc.choices) if desc.is_choice else None


@pytest.mark.parametrize("option, values", [
    ("--format", tuple(f.value for f in Format)),
    ("--dtype", tuple(DTYPE_BYTES)),
    ("--params", ("weights", "bias", "bn", "bn_stats")),
    ("--chart", ("macs-params", "heatmap", "accuracy", "scaling")),
    ("--runtime", ("torch", "onnxruntime")),
    ("--exporter", ("dynamo", "torchscript")),
])
def test_fixed_sets_are_choice_lists(option, values):
    found = [(path, p) for path, p in OPTIONS if option in p.opts]
    assert found
    for path, p in found:
        assert _choices(p) == values, (path, option)


@pytest.mark.parametrize("option, names", [
    ("--convention", CONVENTION_NAMES),  # the library validates, with its aliases
    ("--device", ("meta", "cpu", "cuda")),
])
def test_open_or_heavy_sets_are_completed_and_listed(option, names):
    for path, p in OPTIONS:
        if option in p.opts:
            assert p._custom_shell_complete is not None, (path, option)
            if option == "--convention":
                assert all(n in p.help for n in names + ONNX_CONVENTION_NAMES)


def test_convention_names_equal_the_registry():
    pytest.importorskip("torch")
    from costcalc.profile.conventions import CONVENTIONS

    assert CONVENTION_NAMES == tuple(CONVENTIONS)
    pytest.importorskip("onnx")
    from costcalc.onnx import conventions as onnx_conventions

    assert ONNX_CONVENTION_NAMES == tuple(n for n in onnx_conventions.CONVENTIONS
                                          if n not in CONVENTIONS)


def test_one_range_parser():
    from costcalc import ranges, sweep

    assert sweep.parse_list is ranges.parse_values


@pytest.mark.parametrize("argv, key, expected", [
    (["sweep", "mobilenet_v1", "-a", "0.25:1", "-r", "224", "-f", "json"], "alphas", [0.25, 0.5, 1.0]),
    (["sweep", "mobilenet_v1", "-r", "112:224", "-f", "json"], "resolutions", [112, 224]),
    (["plot", "ratio", "-k", "3", "-c", "8:64", "-f", "json"], "channels", [8, 16, 32, 64]),
    (["plot", "ratio", "-k", "3:7:2", "-c", "8", "-f", "json"], "kernels", [3, 5, 7]),
])
def test_every_value_list_reads_a_range_the_same_way(capsys, argv, key, expected):
    import json

    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 0
    assert json.loads(capsys.readouterr().out)[key] == expected


def test_latex_and_a_machine_format_conflict(capsys):
    with pytest.raises(SystemExit) as e:
        main(["derive", "spatial", "--latex", "-f", "json"])
    assert e.value.code == 2
    assert "--latex prints the derivation as a LaTeX align* block by itself; drop --format json" \
        in capsys.readouterr().err


def test_api_errors_name_parameters_cli_errors_name_options(capsys):
    from costcalc import compare_layer
    from costcalc.errors import CostcalcError

    with pytest.raises(CostcalcError, match=r"^kernel must be positive, got 0$"):
        compare_layer(kernel=0, channels=4)
    with pytest.raises(CostcalcError, match=r"^in_channels must be positive, got -1$"):
        compare_layer(kernel=3, channels=4, in_channels=-1)
    with pytest.raises(SystemExit):
        main(["model", "mobilenet_v1", "--rho", "0.5", "-r", "100"])
    assert capsys.readouterr().err == "costcalc: error: give --resolution or --rho, not both\n"
