"""Everything a profile says, with tensor identities as first-appearance numbers, so two profiles
of two instances of one model compare equal exactly when they say the same (tests only)."""

from __future__ import annotations


def _type(c) -> str:
    """A class by name: a file target imported twice makes two classes of one name."""
    return f"{c.__module__}.{c.__qualname__}"


def facts(p) -> dict:
    from costcalc.profile import conventions, memory

    ids: dict[int, int] = {}

    def t(i):
        return ids.setdefault(i, len(ids))

    events = []
    for e in p.events:
        events.append((e.name, e.source, e.op, e.category, e.in_shapes, e.out_shape, e.macs, e.bias_ops,
                       e.ops, e.flops, e.params, e.param_elems, e.stack, e.in_rule_leaf,
                       [t(i) for i in e.in_ids], [t(i) for i in e.out_ids], e.in_params,
                       [t(i) for i in e.reads], e.args, e.kwargs, e.out,
                       {k: v for k, v in e.attrs.items()},
                       [(a.name, a.category, a.macs, a.bias_ops, a.ops, a.flops) for a in e.aten]))
    results = conventions.evaluate(p)
    return {
        "label": p.label, "input": p.input_shape, "events": events,
        "unsupported": p.unsupported_modules, "unattributed": p.unattributed,
        "params": p.total_params, "input_id": t(p.model_input_id),
        "output_ids": [t(i) for i in p.model_output_ids],
        "elems": sorted((t(i), n) for i, n in p.tensor_elems.items()),
        "types": {n: _type(c) for n, c in p.module_types.items()}, "tree": p.tree, "shape_muls": (p.shape_muls, p.shape_muls_assumed),
        "calls": [(c.name, _type(type(c.module)), c.args, c.kwargs, c.out, c.stack) for c in p.calls],
        "conventions": {n: (r.by_category, r.missing, r.assumed) for n, r in results.items()},
        "peak": memory.peak_activation(p, "float32"), "layers": memory.layer_memory(p, "float32"),
    }


def differences(a: dict, b: dict) -> list[str]:
    """Where two facts() differ, first differing event first (empty: the same)."""
    out = []
    for k in a:
        if k == "events":
            for i, (x, y) in enumerate(zip(a[k], b[k])):
                if x != y:
                    out.append(f"event {i}: {x} != {y}")
                    break
            if len(a[k]) != len(b[k]):
                out.append(f"{len(a[k])} events != {len(b[k])}")
        elif a[k] != b[k]:
            out.append(f"{k}: {a[k]} != {b[k]}")
    return out
