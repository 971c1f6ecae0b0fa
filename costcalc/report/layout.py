"""Fit a :class:`~costcalc.report.tables.Table` to a terminal width, and wrap prose without
breaking a formula.

What a reader must see whole is never cut or wrapped: the columns that name a row
(``Column.primary``: model names, layer ids, kinds), every number (right-justified columns),
every formula column (``wrap="formula"``) and every other cell not marked ``wrap``. When the
table is wider than the terminal, in order:

1. prose columns (``wrap``) and long headers wrap at word boundaries;
2. ``secondary`` columns are folded away, right to left, and a note under the table says which
   and how to get them back (``--wide`` or ``--columns``);
3. the remaining columns are split into panels, each repeating the row-naming columns (the way
   R and pandas print a wide frame);
4. when even one panel cannot fit, each row becomes a stacked record (``header  value`` lines).

A formula column too wide for a panel of its own (beside the row-naming columns) is the one
exception: it breaks after a top-level operator (``a·b +`` / ``c·d``), never inside brackets.

Prose wraps at spaces, but never next to an operator (``a + b``, ``M · N``) and never before a
relation (``=``, ``→``): a line may end with ``=``, so an equation chain breaks between its sides,
and a formula such as ``1/N + 1/Dk²`` stays on one line. Only a chunk longer than a whole line
is broken after an operator, TeX-style; a word is never split. Everything here is pure: text in,
lines out, measured with Rich's cell widths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len

RELATIONS = frozenset("= ≈ → ← ↔ ⇒ < > ≤ ≥ ≠ ~ == <= >= != := \\approx \\le \\leq \\ge \\geq "
                      "\\neq \\ne \\to \\rightarrow \\sim \\equiv \\simeq".split())
OPERATORS = frozenset("+ - − × ÷ · * / ^ ± ∓ ⋅ ∘ | \\cdot \\times \\div \\pm \\mp \\ast".split()) | RELATIONS
WRAP_FLOOR = 12  # a prose column is never squeezed below this many cells (or its natural width)
COMFORT = 30  # ... and before a secondary column is folded, no prose column goes below this
_OPEN, _CLOSE = "([{", ")]}"


# -- wrapping ---------------------------------------------------------------------------------
#
# Each gap between two words gets a level: 0, a line may break there; 1, only when the piece
# would not fit a line otherwise (after an operator, TeX's rule); 2, only as a last resort (a
# formula's implicit product ``M N``, the gap before an operator). A word is never split.

def _levels(words: list[str], formula: bool) -> list[int]:
    levels, depth = [], 0
    for w, nxt in zip(words, words[1:]):
        depth += sum(w.count(c) for c in _OPEN) - sum(w.count(c) for c in _CLOSE)
        after_op = w in OPERATORS
        if formula:
            levels.append(0 if after_op and depth <= 0 else 1 if after_op else 2)
        elif nxt in OPERATORS:
            levels.append(2)
        elif after_op and w not in RELATIONS:
            levels.append(1)
        else:
            levels.append(0)
    return levels


def _units(idx: list[int], levels: list[int], level: int) -> list[list[int]]:
    """``idx`` (consecutive word indexes) cut at every gap of at most ``level``."""
    out = [[idx[0]]]
    for a, b in zip(idx, idx[1:]):
        if levels[a] <= level:
            out.append([b])
        else:
            out[-1].append(b)
    return out


def wrap(text: str, width: int | None, indent: str = "", formula: bool = False) -> list[str]:
    """``text`` as lines of at most ``width`` cells (``None``: one line per paragraph), broken
    at word boundaries, never inside a formula unless a formula is wider than a line (then
    after its operators); continuation lines start with ``indent``. ``formula``: the whole text
    is one formula (break only after operators, outside brackets first). Newlines are kept."""
    out: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        if width is None or cell_len(para) <= width or len(words) < 2:
            out.append(para.rstrip())
            continue
        levels = _levels(words, formula)
        rest = max(width - cell_len(indent), 1)
        lines: list[str] = []
        cur = ""

        def place(idx: list[int], level: int) -> None:
            nonlocal cur
            piece = " ".join(words[i] for i in idx)
            room = rest if lines else width
            if cell_len(piece) <= (room - cell_len(cur) - 1 if cur else room):
                cur = f"{cur} {piece}" if cur else piece
                return
            if cur and cell_len(piece) <= rest:
                lines.append(cur)
                cur = piece
                return
            if len(idx) > 1 and level < 2:
                for sub in _units(idx, levels, level + 1):
                    place(sub, level + 1)
                return
            if cur:
                lines.append(cur)
            cur = piece

        for unit in _units(list(range(len(words))), levels, 0):
            place(unit, 0)
        if cur:
            lines.append(cur)
        out += [lines[0]] + [indent + x for x in lines[1:]]
    return out


def narrowest(text: str, formula: bool = False) -> int:
    """The narrowest ``text`` is laid out without breaking inside a formula: a formula's widest
    top-level term (broken only after an operator outside brackets: ``a·b +`` / ``c·d``, never
    ``(a +`` / ``b)``); prose's widest piece broken after every operator and at plain spaces.
    A table that cannot give a formula that much folds, splits or stacks instead."""
    best = 0
    for para in text.split("\n"):
        words = para.split()
        if not words:
            continue
        levels = _levels(words, formula)
        for unit in _units(list(range(len(words))), levels, 0 if formula else 1):
            best = max(best, cell_len(" ".join(words[i] for i in unit)))
    return best


def _word_wrap(text: str, width: int) -> list[str]:
    """Plain word wrap for headers (a header holds no formula)."""
    lines, line = [], ""
    for w in text.split():
        if line and cell_len(line) + 1 + cell_len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    return lines + [line] if line else lines or [""]


# -- fitting ----------------------------------------------------------------------------------

def overhead(n: int) -> int:
    """Cells a Rich box table adds around ``n`` columns: '│ ' + ' │ ' between + ' │'."""
    return 3 * n + 1


@dataclass
class Col:
    """One column's measurements for the rows at hand."""

    index: int  # position in the table
    texts: list[str]  # one cell text per row
    header: str
    natural: int  # widest cell or header, unwrapped
    minimum: int  # narrowest it can go: whole numbers/names/formulas, longest unbreakable prose chunk
    wrap: bool | str  # False, True (prose) or "formula"
    primary: bool
    secondary: bool
    breakable: int = 0  # a formula column: its widest top-level term (the last resort)

    @property
    def comfortable(self) -> int:
        """The narrowest this column reads well: prose not below :data:`COMFORT` cells."""
        return max(self.minimum, min(self.natural, COMFORT)) if self.wrap else self.minimum


@dataclass
class Plan:
    """How one table is shown: panels of (column indexes, widths), or stacked records."""

    panels: list[tuple[list[int], list[int]]] = field(default_factory=list)
    stacked: bool = False
    hidden: list[int] = field(default_factory=list)  # secondary columns folded away


def measure(headers: list[str], cells: list[list[str]], wrap_flags: list,
            primary: list[bool], secondary: list[bool]) -> list[Col]:
    """``wrap_flags[i]``: False (shown whole), True (prose) or ``"formula"``."""
    cols = []
    for i, header in enumerate(headers):
        formula = wrap_flags[i] == "formula"
        texts = [row[i] for row in cells]
        natural = max([cell_len(header)] + [cell_len(line) for t in texts for line in t.split("\n")])
        head_min = max([cell_len(w) for w in header.split()] or [0])
        whole = max([cell_len(line) for t in texts for line in t.split("\n")] or [0])
        breakable = 0
        if formula:  # shown whole, like a number; broken between terms only as a last resort
            breakable = max(head_min, max([narrowest(t, True) for t in texts] or [0]),
                            min(natural, WRAP_FLOOR))
            minimum = max(head_min, whole)
        elif wrap_flags[i]:
            body = max([narrowest(t) for t in texts] or [0])
            minimum = max(head_min, body, min(natural, WRAP_FLOOR))
        else:
            minimum = max(head_min, whole)
        cols.append(Col(i, texts, header, natural, minimum, wrap_flags[i], primary[i], secondary[i],
                        breakable))
    return cols


def _fits(cols: list[Col], width: int, comfortable: bool = False) -> bool:
    least = sum(c.comfortable if comfortable else c.minimum for c in cols)
    return least + overhead(len(cols)) <= width


def allocate(cols: list[Col], width: int | None) -> list[int]:
    """Widths for ``cols`` within ``width``: everyone at their minimum, then the room left goes
    first to unwrapping headers of unbreakable columns, then to prose, by its shortfall."""
    if width is None:
        return [c.natural for c in cols]
    widths = [c.minimum for c in cols]
    room = width - overhead(len(cols)) - sum(widths)
    for k, c in enumerate(cols):  # whole headers over numbers and names
        if not c.wrap and room > 0:
            add = min(room, c.natural - widths[k])
            widths[k] += add
            room -= add
    prose = [k for k, c in enumerate(cols) if c.wrap]
    while room > 0:
        short = [k for k in prose if widths[k] < cols[k].natural]
        if not short:
            break
        k = max(short, key=lambda k: (cols[k].natural - widths[k]) / cols[k].natural)
        widths[k] += 1
        room -= 1
    return widths


def plan(cols: list[Col], width: int | None) -> Plan:
    """Decide how a table is shown at ``width`` cells (``None``: any width, as it is)."""
    all_idx = [c.index for c in cols]
    if width is not None:  # a formula wider than a panel has room for breaks between its terms
        keys = [c for c in cols if c.primary]
        for c in cols:
            if c.wrap == "formula" and not c.primary and not _fits(keys + [c], width):
                c.minimum = c.breakable
    if width is None or _fits(cols, width, comfortable=True):
        return Plan([(all_idx, allocate(cols, width))])
    # fold secondary columns, right to left, while the rest would wrap uncomfortably
    shown = list(cols)
    hidden: list[int] = []
    for c in reversed(cols):
        if _fits(shown, width, comfortable=True):
            break
        if c.secondary and not c.primary:
            shown.remove(c)
            hidden.insert(0, c.index)
    if _fits(shown, width, comfortable=True):
        return Plan([([c.index for c in shown], allocate(shown, width))], hidden=hidden)
    if _fits(cols, width):  # everything, prose wrapped tighter, beats folding anything
        return Plan([(all_idx, allocate(cols, width))])
    if _fits(shown, width):
        return Plan([([c.index for c in shown], allocate(shown, width))], hidden=hidden)
    keys = [c for c in shown if c.primary]
    rest = [c for c in shown if not c.primary]
    panels: list[list[Col]] = []
    for c in rest:
        if panels and _fits(keys + panels[-1] + [c], width):
            panels[-1].append(c)
        elif _fits(keys + [c], width):
            panels.append([c])
        else:
            return Plan(stacked=True)
    if not panels:
        return Plan(stacked=True)
    # as even as they fit, in as many panels: the fewest columns per panel for which filling
    # panels in order still needs no more (8 columns in 3 panels: 3, 3, 2; a formula that fills
    # a panel alone, then 4 numbers: 1, 2, 2 rather than 1, 3, 1)
    for cap in range(-(-len(rest) // len(panels)), max(len(g) for g in panels)):
        even: list[list[Col]] = []
        for c in rest:
            if even and len(even[-1]) < cap and _fits(keys + even[-1] + [c], width):
                even[-1].append(c)
            else:
                even.append([c])
        if len(even) <= len(panels):
            panels = even
            break
    out = []
    for group in panels:
        chosen = sorted(keys + group, key=lambda c: c.index)
        out.append(([c.index for c in chosen], allocate(chosen, width)))
    return Plan(out, hidden=hidden)


def cell_lines(text: str, width: int, wrapped) -> str:
    """A cell's text laid out in ``width`` cells: prose or a formula (``wrapped == "formula"``)
    wrapped, anything else as it is."""
    if not wrapped:
        return text
    return "\n".join(wrap(text, width, formula=wrapped == "formula"))


def header_lines(text: str, width: int) -> str:
    return text if cell_len(text) <= width else "\n".join(_word_wrap(text, width))
