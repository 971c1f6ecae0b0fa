"""Checking hand-derived cost formulas: a safe parser, an equation checker, an article audit.

    from costcalc.check import check, audit_text, parse_expression
    check("M x Dp2 x (Dk2 + N)", "separable").verdict      # 'equal'
    check("1/N + 1/9", "ratio").links[0].conditions       # [((Dk, 3),)]
    audit_text(open("examples/article.md").read()).rows

The parser never evaluates its input (see :mod:`costcalc.check.parse`); every reference
formula is a call into :mod:`costcalc.layers` (see :mod:`costcalc.check.kinds`).
"""

from .audit import AuditResult, audit, audit_text
from .equations import CheckResult, Link, check, compare
from .kinds import KINDS, reference
from .parse import Binding, ExpressionError, UnknownSymbolError, parse_chain, parse_expression

__all__ = ["AuditResult", "Binding", "CheckResult", "ExpressionError", "KINDS", "Link",
           "UnknownSymbolError", "audit", "audit_text", "check", "compare", "parse_chain",
           "parse_expression", "reference"]
