"""Hostile input to `costcalc check` / `costcalc audit`: refused fast, with one line, unexecuted.

The checker reads untrusted text (articles, pasted formulas). Each input below must be refused
with an ExpressionError (exit code 2 at the CLI) in well under a second, and the tripwires prove
that nothing was evaluated: ``eval``/``exec``/``compile`` given text (what ``sympify`` of a
string ends in; imports pass code objects and are let through), ``os.system`` and
``subprocess.Popen`` raise and are recorded if touched, and the payloads that would create a
file leave none behind.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import subprocess
import time

import pytest

from costcalc.check import audit_text, check
from costcalc.check.parse import ExpressionError, parse_chain, Binding

SENTINEL = "/tmp/costcalc_pwned_sentinel"

HOSTILE = {
    "dunder import": "__import__('os').system('touch /tmp/costcalc_pwned_sentinel')",
    "dunder chain": "().__class__.__bases__[0].__subclasses__()",
    "attribute": "M.real",
    "attribute spaced dunder": "M . __class__",
    "call": "eval(M)",
    "call exec": "exec(M)",
    "call unknown": "Symbol(M)",
    "call open": "open(M)",
    "string single": "'M'",
    "string double": '"rm -rf /"',
    "f-string": 'f"{M}"',
    "bytes": "b'M'",
    "lambda": "lambda: M",
    "lambda arg": "(lambda x: x)(M)",
    "subscript": "M[0]",
    "keyword": "M if N else Dk",
    "semicolon": "M; import os",
    "walrus": "(x := M)",
    "tower": "9**9**9**9",
    "tower caret": "2^2^2^2^2",
    "huge exponent": "M^100000",
    "huge power of number": "(10^20)^64",
    "big integer": "9" * 40,
    "too long": "M+" * 1200 + "M",
    "deep nesting": "(" * 300 + "M" + ")" * 300,
    "deep exponents": "M" + "^2" * 600,
    "expansion bomb": "(M+N+Dk+Df+Di+s+p+d)^30",
    "not parseable": "M +",
    "unbalanced": "(M + N",
    "empty": "",
    "latex input": r"\input{/etc/passwd}",
    "latex write": r"\write18{touch /tmp/costcalc_pwned_sentinel}",
    "matmul": "M @ N",
    "backtick": "`M`",
    "null byte": "M\x00N",
    "complex": "(-1)^(1/2)*M",
    "division by zero": "M/(N-N)",
    "symbolic exponent": "M^N",
}


class Tripwires:
    """While armed, anything that evaluates code or starts a process raises; the calls are
    recorded, so a payload that swallowed the exception is still caught."""

    def __init__(self, monkeypatch):
        self.mp = monkeypatch
        self.calls: list[str] = []

    @contextlib.contextmanager
    def armed(self):
        def wire(name, real=None):
            def trip(*a, **k):
                # imports run code objects through exec; text is what sympify would evaluate
                if real is not None and not (a and isinstance(a[0], str)):
                    return real(*a, **k)
                self.calls.append(name)
                raise AssertionError(f"untrusted input reached {name}")
            return trip

        saved = {n: getattr(builtins, n) for n in ("eval", "exec", "compile")}
        saved_os, saved_popen = os.system, subprocess.Popen
        for n, f in saved.items():
            setattr(builtins, n, wire(n, f))
        os.system, subprocess.Popen = wire("os.system"), wire("subprocess.Popen")
        try:
            yield
        finally:  # disarm before pytest itself compiles anything
            for n, f in saved.items():
                setattr(builtins, n, f)
            os.system, subprocess.Popen = saved_os, saved_popen


@pytest.fixture
def tripwires(monkeypatch):
    if os.path.exists(SENTINEL):
        os.remove(SENTINEL)
    t = Tripwires(monkeypatch)
    yield t
    assert t.calls == [], t.calls
    assert not os.path.exists(SENTINEL), "a payload ran"


def refused(tripwires, fn, *args):
    """Run fn under the tripwires; return the ExpressionError it raised (or fail)."""
    err = None
    with tripwires.armed():
        try:
            fn(*args)
        except ExpressionError as e:
            err = e
    assert err is not None, f"not refused: {args[0]!r}"
    return err


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_hostile_input_is_refused_fast_and_unexecuted(label, tripwires):
    text = HOSTILE[label]
    start = time.perf_counter()
    e = refused(tripwires, check, text, "standard")
    assert time.perf_counter() - start < 1.0, label
    msg = str(e)
    assert msg and "\n" not in msg and len(msg) < 300  # one short line


@pytest.mark.parametrize("label", sorted(k for k, v in HOSTILE.items() if v and "`" not in v))
def test_hostile_input_in_an_article_is_a_refused_row(label, tripwires):
    text = HOSTILE[label]  # as an inline $...$ formula (empty and backtick ones can't be)
    with tripwires.armed():
        result = audit_text(f"The cost is ${text}$.\n")
    # a refused formula is an unverifiable claim whose reason is the refusal
    assert [(r.verdict, r.reason) for r in result.rows] == [("unverifiable", "refused")], result.rows
    assert result.rows[0].note.startswith("refused: ")


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_lenient_mode_refuses_the_same(label, tripwires):
    """The audit reads unknown words as labels, but it refuses exactly what check refuses."""
    refused(tripwires, parse_chain, HOSTILE[label], Binding(lenient=True))


def test_the_messages_say_why():
    def msg(text):
        with pytest.raises(ExpressionError) as e:
            check(text, "standard")
        return str(e.value)

    assert "dunder" in msg("__import__('os')")
    assert "attribute" in msg("M.real")
    assert "calls are not allowed" in msg("eval(M)")
    assert "string" in msg("'M'")
    assert "lambda" in msg("lambda: M")
    assert "subscript" in msg("M[0]")
    assert "exponent" in msg("9**9**9**9")
    assert "2000" in msg("M+" * 1200 + "M")
    assert "30 digits" in msg("9" * 40)


def test_cli_refuses_with_one_line_and_exit_2(costcalc_cli):
    r = costcalc_cli("check", "__import__('os').system('touch " + SENTINEL + "')", "--as", "standard")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("costcalc: error: dunder")
    assert "Traceback" not in r.stderr
    assert not os.path.exists(SENTINEL)
    r = costcalc_cli("check", "9**9**9**9", "--as", "standard")
    assert r.returncode == 2 and r.stderr.startswith("costcalc: error: exponent")


def test_the_tripwires_catch_sympify_of_text(monkeypatch):
    """The tripwires are live: sympify of a string (what this module must never do) trips."""
    import sympy

    t = Tripwires(monkeypatch)
    with t.armed():
        with pytest.raises(AssertionError):
            sympy.sympify("M + 1")
    assert t.calls
