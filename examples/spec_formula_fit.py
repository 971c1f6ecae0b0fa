"""Your own network as a spec file, its cost as a formula in α and ρ, and the widths and
resolutions that fit a budget — through the Python API (the CLI: `costcalc model FILE
--formula`, `costcalc fit FILE --max-macs 150M`)."""

from pathlib import Path

from costcalc.archs import resolve_model
from costcalc.fit import fit
from costcalc.formula import departures, formula
from costcalc.ranges import parse_values as parse_list

SPEC = str(Path(__file__).resolve().parent / "specs" / "patchwork.toml")

m = resolve_model(SPEC)
print(f"{SPEC.rsplit('/', 1)[-1]}: {m.macs:,} MACs, {m.params():,} weights, {len(m.layers)} layers")

f = formula(SPEC)
print("MACs(α, ρ) =", f.macs)
print("params(α)  =", f.params["weights"])
for alpha, res in ((1.0, 160), (0.75, 160)):
    exact = resolve_model(SPEC, alpha, res).macs
    d = departures(f, alpha, res)
    print(f"  α = {alpha:g}, {res} px: formula {float(f.value(f.macs, alpha, res)):,.0f}, exact "
          f"{exact:,}" + (f"; rounding at {', '.join(x.where for x in d[:4])}" if d else " (nothing rounds)"))

budget = fit(SPEC, 100_000_000, None, parse_list("0.25:1.5:0.25"), parse_list("96:224:32", integer=True))
print(f"within 100M MACs: {int(budget.within.sum())} of {budget.sweep.cells} cells; frontier:")
for c in budget.cells(only_frontier=True):
    print(f"  α = {c['alpha']:g}, {c['resolution']} px: {c['macs']:,} MACs, {c['params']:,} weights")
