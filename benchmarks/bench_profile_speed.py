"""`costcalc profile` at the speed floor: cold and warm, beside the import floor and the peers.

Every ratio is measured in this run, on the zoo's models (``tests/zoo/zoo.py``), each side
repeated and its median taken (the machine is shared: the load average is printed):

1. **cold** (torchvision models; fresh processes, wall time and peak RSS from ``wait4``):
   ``costcalc profile torchvision:NAME`` against ``python -c "import torch, torchvision"`` (the
   floor: target ≤ 1.10× on every model) and against thop run as a script that builds the same
   model and profiles it the way thop's README shows (target: thop ≥ 1.3× costcalc's time, median
   over the models). Peak RSS of the profile against the floor's: target ≤ 1.2× on every model.
   Also printed: the floor with the garbage collector paused, what ``import torch, torchvision``
   costs at best (costcalc pauses it while it imports and counts, see ``costcalc/gcpause.py``).
2. **warm** (torchvision and timm models; in this process, after one call of each side):
   ``costcalc.profile_model("torchvision:NAME", shape)`` — the model built fresh each call, on
   meta — against ``FlopCounterMode`` on a model built fresh under ``torch.device("meta")`` (target:
   ≥ 1.5× faster on every model, with identical totals: the flops convention equals
   FlopCounterMode's own, and twice the paper MACs). Also printed: the counting pass alone on the
   same prebuilt meta model (``profile_model(model)`` vs ``FlopCounterMode``).

torchvision 0.28 imports beside the CPU build of torch only with the tests' shim, so every
process here — floor, costcalc and thop alike — runs with ``tests/torchvision_shim`` on
PYTHONPATH (``import torchvision`` then costs the same on every side).

    python benchmarks/bench_profile_speed.py [--quick] [--models NAME,...] [--part cold|warm|both]
        [--repeats 5] [--warm-repeats 9] [--cold NAME,...] [--warm hub:NAME,...]

The full run (11 torchvision models cold, 17 models warm, 5 and 9 repeats) took 15 minutes on
2 shared cores at a load average of 2-4; ``--quick`` (8 models cold — ResNet-50, ConvNeXt-T,
ViT-B/16 and Swin-T among them — and the same 8 plus two timm transformers warm, 3 cold repeats,
9 warm ones: fewer let a burst of load decide a warm ratio) about 7. ``--models`` replaces
both lists: torchvision names (``resnet50`` or ``torchvision:resnet50``) run cold and warm, timm
ones (``timm:NAME``) warm only.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIM = ROOT / "tests" / "torchvision_shim"
SHAPE = (1, 3, 224, 224)

# the heavy-init ones (ResNet-50, ConvNeXt-T, ViT-B/16), two transformers, and the rest of the
# zoo's torchvision classifiers with a few hundred layers or more
COLD = ["resnet50", "convnext_tiny", "vit_b_16", "swin_t", "mobilenet_v2", "efficientnet_b0",
        "densenet121", "resnet18", "mobilenet_v3_large", "googlenet", "regnet_y_400mf"]
WARM = [f"torchvision:{n}" for n in COLD] + [
    "timm:deit_tiny_patch16_224", "timm:mobilevit_s", "timm:convnext_atto", "timm:efficientnet_b0",
    "timm:levit_128s", "timm:pvt_v2_b0"]
QUICK = ["resnet50", "convnext_tiny", "vit_b_16", "swin_t", "mobilenet_v2", "efficientnet_b0",
         "densenet121", "regnet_y_400mf"]
QUICK_WARM = [f"torchvision:{n}" for n in QUICK] + ["timm:deit_tiny_patch16_224", "timm:levit_128s"]

THOP_SCRIPT = '''import sys

import torch
import torchvision
from thop import profile

model = torchvision.models.get_model(sys.argv[1])
macs, params = profile(model, inputs=(torch.randn(1, 3, 224, 224),), verbose=False)
print(f"{macs:,.0f} MACs, {params:,.0f} parameters")
'''


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SHIM), env.get("PYTHONPATH", "")) if p)
    env.update(NO_COLOR="1", PYTHONUTF8="1")
    env.pop("PYTHONWARNINGS", None)
    return env


def _costcalc() -> list[str]:
    script = Path(sys.executable).with_name("costcalc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "costcalc"]


def _run(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one fresh process; its output is discarded."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {err.strip()[-400:]}")
    return wall, usage.ru_maxrss / 1024


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for d in ("torch", "torchvision", "timm", "ultralytics-thop"):
        try:
            out.append(f"{d} {version(d)}")
        except PackageNotFoundError:
            out.append(f"{d} not installed")
    return ", ".join(out)


def cold(models: list[str], repeats: int) -> bool:
    env = _env()
    with tempfile.NamedTemporaryFile("w", suffix="_thop.py", delete=False) as f:
        f.write(THOP_SCRIPT)
    sides = {
        "floor": lambda m: [sys.executable, "-c", "import torch, torchvision"],
        "floor, gc paused": lambda m: [sys.executable, "-c", "import gc; gc.disable(); import torch, torchvision"],
        "costcalc": lambda m: [*_costcalc(), "profile", f"torchvision:{m}"],
        "thop script": lambda m: [sys.executable, f.name, m],
    }
    names = list(sides)
    print(f"\n## cold: fresh processes, median of {repeats} (wall s, peak RSS MiB)\n")
    head = ("| model | floor | floor, gc paused | costcalc | thop script | costcalc / floor "
            "| costcalc / gc-paused floor | thop / costcalc | RSS floor | RSS costcalc | RSS ratio |")
    print(head)
    print("| :--- |" + " ---: |" * (head.count("|") - 2))
    rows = []
    for m in models:
        got = {n: [] for n in names}
        for r in range(repeats):
            order = names[r % len(names):] + names[:r % len(names)]  # rotate: no side always first
            for n in order:
                got[n].append(_run(sides[n](m), env))
        med = {n: (statistics.median(w for w, _ in v), statistics.median(x for _, x in v)) for n, v in got.items()}
        row = dict(model=m, floor=med["floor"][0], gc=med["floor, gc paused"][0], cc=med["costcalc"][0],
                   thop=med["thop script"][0], rss_floor=med["floor"][1], rss_cc=med["costcalc"][1])
        rows.append(row)
        print(f"| {m} | {row['floor']:.2f} | {row['gc']:.2f} | {row['cc']:.2f} | {row['thop']:.2f} "
              f"| {row['cc'] / row['floor']:.3f} | {row['cc'] / row['gc']:.3f} | {row['thop'] / row['cc']:.2f} "
              f"| {row['rss_floor']:.0f} | {row['rss_cc']:.0f} | {row['rss_cc'] / row['rss_floor']:.3f} |",
              flush=True)
    os.unlink(f.name)
    worst = max(r["cc"] / r["floor"] for r in rows)
    worst_gc = max(r["cc"] / r["gc"] for r in rows)
    thop = statistics.median(r["thop"] / r["cc"] for r in rows)
    rss = max(r["rss_cc"] / r["rss_floor"] for r in rows)
    ok = [worst <= 1.10, thop >= 1.3, rss <= 1.2]
    print(f"\ncold command / import floor, worst model: {worst:.3f}x (target <= 1.10 on every model): "
          f"{'PASS' if ok[0] else 'FAIL'}")
    print(f"cold command / gc-paused import floor, worst model: {worst_gc:.3f}x (no target: the physical floor)")
    print(f"thop script / cold command, median: {thop:.2f}x (target >= 1.3): {'PASS' if ok[1] else 'FAIL'}")
    print(f"peak RSS cold command / import floor, worst model: {rss:.3f}x (target <= 1.2): "
          f"{'PASS' if ok[2] else 'FAIL'}")
    return all(ok)


def _medians_ms(fns, repeats: int) -> list[float]:
    """Each function's median time, the functions called in turn (a, b, a, b, ...): a burst of
    load from the machine's other jobs falls on both sides alike."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            gc.collect()  # neither side pays for the other's garbage
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return [statistics.median(ts) * 1000 for ts in times]


def warm(models: list[str], repeats: int) -> bool:
    import runpy

    runpy.run_path(str(SHIM / "sitecustomize.py"))
    warnings.simplefilter("ignore", FutureWarning)  # googlenet's note on its weight init
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    import costcalc

    def hub_build(name):
        hub, _, n = name.partition(":")
        if hub == "torchvision":
            import torchvision

            return torchvision.models.get_model(n)
        import timm

        return timm.create_model(n, pretrained=False)

    def fcm(model):
        model.eval()
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            model(torch.empty(SHAPE, device="meta"))
        return fc.get_total_flops()

    def meta_build(name):
        try:
            with torch.device("meta"):
                return hub_build(name)
        except Exception:  # construction that needs real values (regnet): on cpu, then moved
            return hub_build(name).to("meta")

    def fcm_fresh(name):
        return fcm(meta_build(name))

    def ours(target):
        r = costcalc.evaluate(costcalc.profile_model(target, SHAPE), ["flops", "paper"])
        return r["flops"].total, r["paper"].total

    print(f"\n## warm: in process, median of {repeats} after one call of each, the sides in turn (ms)\n")
    head = ("| model | built on | FlopCounterMode, built fresh | costcalc, built fresh | ratio "
            "| FlopCounterMode, count only | costcalc, count only | ratio | totals |")
    print(head)
    print("| :--- |" + " ---: |" * (head.count("|") - 2))
    ratios, alone, equal = [], [], True
    for name in models:
        theirs = fcm_fresh(name)
        (flops, paper), p = ours(name), costcalc.profile_model(name, SHAPE)
        same = flops == theirs and 2 * paper == theirs
        equal &= same
        t_fcm, t_ours = _medians_ms([lambda: fcm_fresh(name), lambda: ours(name)], repeats)
        model = meta_build(name)
        fcm(model), costcalc.profile_model(model, SHAPE)
        c_fcm, c_ours = _medians_ms([lambda: fcm(model), lambda: costcalc.evaluate(
            costcalc.profile_model(model, SHAPE), ["flops"])], repeats)
        ratios.append(t_fcm / t_ours)
        alone.append(c_fcm / c_ours)
        print(f"| {name} | {p.built_on} | {t_fcm:.1f} | {t_ours:.1f} | {t_fcm / t_ours:.2f} | {c_fcm:.1f} "
              f"| {c_ours:.1f} | {c_fcm / c_ours:.2f} | {'equal' if same else f'{flops:,} vs {theirs:,}'} |",
              flush=True)
    ok = [min(ratios) >= 1.5, equal]
    print(f"\nwarm: FlopCounterMode / costcalc, both built fresh, worst model: {min(ratios):.2f}x "
          f"(target >= 1.5 on every model): {'PASS' if ok[0] else 'FAIL'}")
    print(f"warm, counting alone on a prebuilt meta model, worst model: {min(alone):.2f}x, "
          f"median {statistics.median(alone):.2f}x")
    print(f"totals identical (flops = FlopCounterMode = 2 x paper) on every model: {'PASS' if equal else 'FAIL'}")
    return all(ok)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="8 models, 3 cold and 9 warm repeats (about 7 minutes)")
    ap.add_argument("--models", help="hub:NAME or torchvision NAME, comma separated: replaces --cold and --warm")
    ap.add_argument("--repeats", type=int, help="cold runs of each side per model (5; 3 with --quick)")
    ap.add_argument("--warm-repeats", type=int, help="warm calls of each side per model (9)")
    ap.add_argument("--cold", help="torchvision model names")
    ap.add_argument("--warm", help="hub:NAME targets")
    ap.add_argument("--part", choices=("cold", "warm", "both"), default="both")
    a = ap.parse_args(argv)
    a.repeats = a.repeats or (3 if a.quick else 5)
    a.warm_repeats = a.warm_repeats or 9
    cold_models, warm_models = (QUICK, QUICK_WARM) if a.quick else (COLD, WARM)
    if a.models:
        given = [m if ":" in m else f"torchvision:{m}" for m in a.models.split(",") if m]
        warm_models = given
        cold_models = [m.partition(":")[2] for m in given if m.startswith("torchvision:")]
    cold_models = a.cold.split(",") if a.cold else cold_models
    warm_models = a.warm.split(",") if a.warm else warm_models
    print(f"# {datetime.date.today()} — {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{_versions()}; PYTHONPATH={SHIM.relative_to(ROOT)} on every side")
    print(f"load average at start: {_load()} (the machine is shared with other jobs)")
    ok = True
    if a.part in ("cold", "both"):
        ok &= not cold_models or cold(cold_models, a.repeats)
    if a.part in ("warm", "both"):
        ok &= not warm_models or warm(warm_models, a.warm_repeats)
    print(f"\nload average at end: {_load()}")
    print("all targets met" if ok else "some target missed")


if __name__ == "__main__":
    main()
