"""costcalc.report.plots: every chart kind renders to png / svg / pdf with labelled axes, and a
file is written atomically (no partial file, no temp file, one clear error line)."""

from __future__ import annotations

import os

import pytest

from costcalc.errors import CostcalcError
from costcalc.report import plots
from costcalc.sweep import CHARTS as SWEEP_CHARTS
from costcalc.sweep import chart, ratio_chart, sweep

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF"}


@pytest.fixture(scope="module")
def grid():
    return sweep("mobilenet_v1", [0.25, 0.5, 0.75, 1.0], [128, 160, 192, 224])


def _sweep_chart(kind):
    return lambda sw: chart(sw, kind)


def _ratio(sw):
    return ratio_chart([3, 5, 7], [8, 16, 32, 64, 128, 256, 512, 1024])


CHARTS = {**{kind: _sweep_chart(kind) for kind in SWEEP_CHARTS}, "ratio": _ratio}


@pytest.mark.parametrize("fmt", plots.FORMATS)
@pytest.mark.parametrize("kind", CHARTS)
def test_chart_written(kind, fmt, grid, tmp_path):
    fig = CHARTS[kind](grid)
    path = plots.save(fig, tmp_path / f"{kind}.{fmt}")
    assert path.read_bytes().startswith(MAGIC[fmt])
    assert path.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{kind}.{fmt}"]  # no temp file left


@pytest.mark.parametrize("kind", CHARTS)
def test_axes_labelled_with_legend_or_colorbar(kind, grid):
    fig = CHARTS[kind](grid)
    main = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert main
    for ax in main:
        assert ax.get_xlabel() and ax.get_ylabel()
    has_legend = any(ax.get_legend() is not None for ax in main)
    has_colorbar = len(fig.axes) > len(main)
    assert has_legend or has_colorbar
    units = " ".join(ax.get_xlabel() + " " + ax.get_ylabel() for ax in main)
    assert any(u in units for u in ("millions", "pixels", "%", "channels", "α", "÷"))


def test_figures_are_headless_agg(grid):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    assert isinstance(chart(grid, "heatmap").canvas, FigureCanvasAgg)


def test_many_alphas_use_a_colorbar():
    sw = sweep("mobilenet_v1", [0.25 + 0.05 * i for i in range(16)], [128, 224])
    fig = plots.macs_params(sw.frame())
    assert fig.axes[0].get_legend() is None and len(fig.axes) == 2


def test_chart_errors(grid):
    with pytest.raises(CostcalcError, match="unknown chart 'pie'"):
        chart(grid, "pie")
    dense = sweep("dense1_mobilenet", [1.0], [224])
    with pytest.raises(CostcalcError, match="no published top-1 accuracy for dense1_mobilenet"):
        chart(dense, "accuracy")


def test_accuracy_chart_shows_v1_and_v2(grid):
    fig = chart(grid, "accuracy")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("MobileNet v1" in t for t in labels) and any("MobileNet v2" in t for t in labels)
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert "1·224\n72.0%" in notes and "0.25·224\n50.6%" in notes
    assert fig.axes[0].get_xscale() == "log"


# -- atomic writes ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fig(grid):
    return chart(grid, "heatmap")


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.PNG.txt"])
def test_unknown_extension(fig, tmp_path, name):
    with pytest.raises(CostcalcError, match=r"unknown chart format .*\(use \.png, \.svg or \.pdf\)") as e:
        plots.save(fig, tmp_path / name)
    assert "\n" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_upper_case_extension_is_fine(fig, tmp_path):
    assert plots.save(fig, tmp_path / "chart.PNG").read_bytes().startswith(MAGIC["png"])


def test_missing_directory(fig, tmp_path):
    with pytest.raises(CostcalcError, match="does not exist"):
        plots.save(fig, tmp_path / "nope" / "chart.png")
    assert list(tmp_path.iterdir()) == []


def test_path_is_a_directory(fig, tmp_path):
    (tmp_path / "d.png").mkdir()
    with pytest.raises(CostcalcError, match="is a directory"):
        plots.save(fig, tmp_path / "d.png")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_directory(fig, tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    try:
        with pytest.raises(CostcalcError, match="not writable"):
            plots.save(fig, d / "chart.png")
        assert list(d.iterdir()) == []
    finally:
        d.chmod(0o755)


def test_temp_file_refused(fig, tmp_path, monkeypatch):
    # what an unwritable directory does, even as root: the temp file cannot be created
    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(plots.tempfile, "mkstemp", refuse)
    with pytest.raises(CostcalcError, match=r"cannot write .*chart\.png: Permission denied"):
        plots.save(fig, tmp_path / "chart.png")
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_write_leaves_old_file_and_no_temp(fig, tmp_path, monkeypatch):
    target = tmp_path / "chart.png"
    target.write_bytes(b"old chart")

    def broken(f, **kwargs):
        f.write(b"\x89PNG partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(CostcalcError, match="No space left on device"):
        plots.save(fig, target)
    assert target.read_bytes() == b"old chart"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_failure_at_rename_leaves_no_temp(fig, tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(plots.os, "replace", refuse)
    with pytest.raises(CostcalcError, match="Permission denied"):
        plots.save(fig, tmp_path / "chart.svg")
    assert list(tmp_path.iterdir()) == []


def test_interrupt_leaves_no_temp(fig, tmp_path, monkeypatch):
    def interrupted(f, **kwargs):
        f.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(fig, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        plots.save(fig, tmp_path / "chart.pdf")
    assert list(tmp_path.iterdir()) == []


def test_written_file_is_world_readable(fig, tmp_path):
    old = os.umask(0o022)
    try:
        path = plots.save(fig, tmp_path / "chart.png")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_overwrite(fig, tmp_path):
    target = tmp_path / "chart.svg"
    target.write_text("old")
    plots.save(fig, target)
    assert target.read_bytes().startswith(MAGIC["svg"])
