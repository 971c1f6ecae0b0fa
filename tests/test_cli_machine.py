"""CSV and JSON for machines, for every table of every command (the invocations of
test_cli_width): raw numbers (no thousands separators, no units in a cell), no padding, shares
rounded to 6 decimals, one table per CSV stream (``--table NAME``), the CSV header equal to the
JSON keys of the same rows."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from costcalc.report.tables import (RATIO_DIGITS, SHARE_DECIMALS, Report, View, is_measured, is_ratio,
                                    to_csv, to_json)
from test_cli_width import INVOCATIONS, _id, captured

GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+$")  # 568,740,352


def _rows_at(data, path: str):
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data if isinstance(data, list) and all(isinstance(r, dict) for r in data) else None


def _walk(x, key=None):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _walk(v, k)
    elif isinstance(x, list):
        for v in x:
            yield from _walk(v, key)
    else:
        yield key, x


@pytest.mark.parametrize("argv", INVOCATIONS, ids=_id)
def test_csv_is_raw_and_matches_json(argv):
    report, _ = captured(argv)
    data = json.loads(to_json(report))
    for key, value in _walk(data):  # a '_text' key is the readable twin of a raw one beside it
        if not (key or "").endswith("_text"):
            assert not (isinstance(value, str) and GROUPED.match(value)), (key, value)
        if isinstance(value, float) and key and key.endswith("share"):
            assert round(value, SHARE_DECIMALS) == value, (key, value)
        if isinstance(value, float) and (is_ratio(key) or is_measured(key)):
            assert float(f"{value:.{RATIO_DIGITS}g}") == value, (key, value)
    for table in report.tables:
        text = to_csv(report, View(table=table.name))
        rows = list(csv.reader(io.StringIO(text)))
        keys = [c.key for c in table.columns if c.machine]
        assert rows[0] == keys, table.name
        assert len(rows) == len(table.rows) + 1
        for data_row, row in zip(table.rows, rows[1:]):
            for k, cell in zip(keys, row):
                raw = data_row.get(k)
                assert cell == cell.strip(), (table.name, k, cell)
                assert not GROUPED.match(cell), (table.name, k, cell)  # no 1,234
                if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                    # a number as it is: no separators, no 'B', no '%', no 'M'
                    # a ratio keeps 6 significant digits: within 5e-6 of the raw value
                    rel = 5e-6 if is_ratio(k) or is_measured(k) else 1e-6
                    assert float(cell) == pytest.approx(raw, rel=rel, abs=1e-6), (table.name, k, cell)
                if k.endswith("share") and cell:
                    assert len(cell.partition(".")[2]) <= SHARE_DECIMALS, (k, cell)
        path = table.json_path if table.json_path is not None else table.name
        json_rows = _rows_at(data, path) if path else None
        if path and json_rows is None:
            assert table.json_path is None, f"{table.name}: json_path {path!r} holds no rows"
            continue
        if json_rows is None:
            continue
        for k in keys:  # the same names for the same numbers (a row may leave a key out)
            assert any(k in r for r in json_rows), (table.name, k)
        if len(json_rows) == len(table.rows):
            for jr, row in zip(json_rows, rows[1:]):
                for k, cell in zip(keys, row):
                    if isinstance(jr.get(k), (int, float)) and not isinstance(jr[k], bool):
                        assert float(cell) == pytest.approx(jr[k], rel=1e-12), (table.name, k)


def test_measured_times_and_rates_are_rounded_like_ratios():
    # the floats `bench -f json` printed before: sums of µs in binary, a MAC count over a median
    data = {"node_sum_ms": 3.9539999999999993, "total": {"median_ms": 3.6506180003925692},
            "by_kind": [{"time_ms": 0.009000000000000001, "gmacs_per_s": 99.99512944523468}],
            "load_average": 0.708984375, "macs": 300_774_272}
    out = json.loads(to_json(Report([], data)))
    assert out == {"node_sum_ms": 3.954, "total": {"median_ms": 3.65062},
                   "by_kind": [{"time_ms": 0.009, "gmacs_per_s": 99.9951}],
                   "load_average": 0.708984375, "macs": 300_774_272}


def test_one_table_per_csv_stream_and_table_selects(capsys):
    from costcalc.cli import main

    with pytest.raises(SystemExit) as e:
        main(["model", "mobilenet_v1", "--by-type", "-f", "csv"])
    out, err = capsys.readouterr()
    assert e.value.code == 0
    assert out.splitlines()[0] == "type,macs,macs_share,params,params_share,paper_macs_share,paper_params_share"
    assert "\n\n" not in out  # one table, no second header in the stream
    assert err == "costcalc: note: CSV holds one table, by_type; the others (summary) with --table NAME\n"
    # float noise gone: 3.06 / 100 = 0.030600000000000002 is written 0.0306
    dw = next(r for r in csv.DictReader(io.StringIO(out)) if r["type"] == "Conv DW 3×3")
    assert dw["paper_macs_share"] == "0.0306"
    with pytest.raises(SystemExit) as e:
        main(["model", "mobilenet_v1", "--by-type", "-f", "csv", "--table", "summary",
              "--columns", "value"])
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == ["quantity,value", "MACs,568740352"] and err == ""
    with pytest.raises(SystemExit) as e:
        main(["model", "mobilenet_v1", "-f", "csv", "--table", "layers"])
    assert e.value.code == 2
    assert capsys.readouterr().err == ("costcalc: error: --table 'layers': this output has one "
                                       "table, summary\n")


def test_profile_csv_is_machine_clean(capsys):
    """The issue's examples: no "568,740,352", no "  conv", no "6,422,528 B at b1_pw_bn"."""
    pytest.importorskip("torch")
    from costcalc.cli import main

    with pytest.raises(SystemExit):
        main(["profile", "mobilenet_v1", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    by = {r["quantity"]: r for r in rows}
    assert by["total (paper)"]["value"] == "568740352"
    assert by["conv"]["value"] == "567716352"  # 568,740,352 − the FC's 1,024,000
    peak = by["peak activations, bytes (float32)"]
    # two 64×112×112 float32 tensors alive at once: 2·64·112·112·4 = 6,422,528 bytes
    assert peak["value"] == "6422528" and peak["at"] == "b1_pw_bn"


def test_json_refuses_table_and_columns(capsys):
    from costcalc.cli import main

    with pytest.raises(SystemExit) as e:
        main(["models", "-f", "json", "--table", "models"])
    assert e.value.code == 2
    assert "JSON always holds everything" in capsys.readouterr().err
