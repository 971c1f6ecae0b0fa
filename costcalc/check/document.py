"""Reading an article the way a reviewer does: blocks, headings, sentences and formula spans.

Markdown (``.md``), LaTeX (``.tex``) and plain text (``.txt``, read as light Markdown: the web
articles this tool exists for are Markdown in a ``.txt``). Everything keeps its offset in the
original text, so each claim knows its line and ``--annotate`` can write beside it.

How the text is read:

- code (fenced blocks, ``verbatim``/``lstlisting``, lines that look like Python), front
  matter, comments, images and URLs are not prose and are blanked first;
- formulas are ``$$…$$``, ``\\[…\\]``, equation environments, ``\\(…\\)``, ``$…$``, code spans
  that look like formulas, and formulas written in the prose itself (``KxKxM``,
  ``Total multiplications = M x Dp2 x N``; see :mod:`costcalc.check.plain`);
- a heading is a Markdown/LaTeX heading, a numbered title (``2.1 Spatial …``), a bold line, or
  a short title line standing alone; it is context for everything under it;
- blocks are split at blank lines (a text whose lines are whole paragraphs — any line over 160
  characters — has one block per line); sentences are split at ``. ! ?`` before a capital,
  and a sentence left open (ending in ``:``, ``,`` or mid-phrase, ``so the``) continues into
  the next block, as a reader would read it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

GONE = "\x00"  # a character that is not there (an emphasis star, a span's inside)
SPAN = "\x01"  # where a formula span sits in a sentence

MAX_UNWRAPPED = 160  # a line longer than this means the text is not hard-wrapped


@dataclass
class Span:
    """One formula in the article: its body as written and where it is."""

    start: int  # offset of the body in the article
    end: int
    body: str
    how: str  # display | inline | code | plain
    line: int = 0
    end_line: int = 0
    mark: int = -1  # offset of its SPAN mark (the opening delimiter)
    label: str = ""  # plain formulas: the words left of '=' ('Total multiplications')
    tag: str = ""  # the equation number written after it: '(eq. 7)' -> '7'
    refs: dict = field(default_factory=dict)  # placeholder name -> ('eq', '1') | ('phrase', text)


@dataclass
class Sentence:
    start: int
    end: int
    flat: str  # the prose; each formula span stands as SPAN, in order
    spans: list
    block: int
    heading: str = ""  # the innermost heading above
    section: str = ""  # the nearest structural heading (Markdown #, numbered, LaTeX \section)
    line: int = 0
    end_line: int = 0
    pos: list = field(default_factory=list, repr=False)  # article offset of each flat char

    def reading(self) -> str:
        """The sentence with each formula written out (for values such as 'D_K = 3')."""
        key = (self.flat, len(self.spans))
        if getattr(self, "_reading", (None,))[0] == key:
            return self._reading[1]
        text = self._read()
        self._reading = (key, text)
        return text

    def _read(self) -> str:
        out, k = [], 0
        for ch in self.flat:
            if ch == SPAN:
                out.append(" " + self.spans[k].body + " ")
                k += 1
            else:
                out.append(ch)
        return "".join(out)


@dataclass
class Block:
    start: int
    end: int
    kind: str  # para | heading | item
    line: int = 0
    end_line: int = 0


@dataclass
class Document:
    text: str
    fmt: str
    blocks: list
    sentences: list
    headings: list  # (offset, text, structural)
    code_lines: int = 0
    _nl: list = field(default_factory=list, repr=False)

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self._nl, pos - 1) + 1 if self._nl else 1


# -- formats ---------------------------------------------------------------------------------

def fmt_of(path: str) -> str:
    p = path.lower()
    if p.endswith((".tex", ".latex", ".ltx")):
        return "latex"
    if p.endswith((".md", ".markdown", ".mdown", ".mkd")):
        return "markdown"
    return "text"


def _blank(w: list, a: int, b: int, ch: str = " ") -> None:
    for i in range(a, b):
        if w[i] != "\n":
            w[i] = ch


def _gone(w: list, a: int, b: int) -> None:
    for i in range(a, b):
        w[i] = GONE if w[i] != "\n" else GONE


_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import |return\b|for \w+ in |while |if .*:\s*$|elif |"
    r"else:|try:|except|with .* as |print\(|@\w+)"
    r"|\w+\.\w+(\.\w+)*\s*\(|\w+\(\s*\w+\s*=(?!=)|^\s*[\w\[\], ]+\s*=\s*\w+(\.\w+)+\s*\(|"
    r"\)\s*\(\s*\w+\s*\)|^\s*\w+\s*\)?\s*$(?<=\bx)|;\s*$|^\s*#include|\bself\.\w|^\s*\w+\s*=\s*\[")


def looks_like_code(line: str) -> bool:
    """A line of program text pasted into prose without a fence (Keras snippets in blogs)."""
    s = line.strip()
    if not s or len(s) > 300:
        return False
    if re.search(r"\\\(|\\\[|\$", s):
        return False
    return bool(_CODE_LINE.search(s))


_LATEX_CODE_ENVS = r"verbatim\*?|lstlisting|minted|comment|Verbatim|tikzpicture|tabular\*?|figure\*?"
_MATH_ENVS = r"equation\*?|align\*?|aligned|eqnarray\*?|gather\*?|multline\*?|displaymath|math|flalign\*?"


def _mask_markdown(text: str, w: list) -> int:
    """Blank what is not prose in Markdown / plain text; returns the number of code lines."""
    code = 0
    if text.startswith("---\n") or text.startswith("---\r\n"):
        m = re.search(r"\n---\s*(\n|$)", text[3:])
        if m:
            _blank(w, 0, 3 + m.end())
    pos, inside = 0, False
    for ln in text.split("\n"):
        end = pos + len(ln)
        if _FENCE.match(ln):
            inside = not inside
            _blank(w, pos, end)
            code += 1
        elif inside:
            _blank(w, pos, end)
            code += 1
        elif looks_like_code(ln):
            _blank(w, pos, end)
            code += 1
        pos = end + 1
    s = "".join(w)
    for m in re.finditer(r"<(sup|sub)>([^<>\n]{1,12})</\1>", s):  # k<sup>2</sup> -> k^2, D<sub>K</sub> -> D_K
        _gone(w, m.start(), m.start(2))
        w[m.start()] = "^" if m.group(1) == "sup" else "_"
        _gone(w, m.end(2), m.end())
    s = "".join(w)
    for pat in (r"<!--.*?-->", r"!\[[^\]\n]*\]\([^)\n]*\)", r"https?://\S+", r"</?[a-zA-Z][^>\n]*>"):
        for m in re.finditer(pat, s, flags=re.S):
            _blank(w, m.start(), m.end())
        s = "".join(w)
    for m in re.finditer(r"\[([^\]\n]*)\]\([^)\n]*\)", s):  # [text](url) -> text
        _blank(w, m.start(), m.start() + 1)
        _blank(w, m.end(1), m.end())
    return code


def _mask_latex(text: str, w: list) -> int:
    code = 0
    s = text
    m = re.search(r"\\begin\{document\}", s)
    if m:
        _blank(w, 0, m.end())
    m = re.search(r"\\end\{document\}", s)
    if m:
        _blank(w, m.start(), len(s))
    for m in re.finditer(r"(?<!\\)%[^\n]*", s):
        _blank(w, m.start(), m.end())
    s = "".join(w)
    for m in re.finditer(r"\\begin\{(" + _LATEX_CODE_ENVS + r")\}.*?\\end\{\1\}", s, flags=re.S):
        code += m.group(0).count("\n") + 1
        _blank(w, m.start(), m.end())
    s = "".join(w)
    for pat in (r"\\(cite[pt]?|citep|citet|label|ref|eqref|autoref|cref|Cref|url|href|includegraphics"
                r"|bibliography|bibliographystyle|usepackage|documentclass)\*?(\[[^\]]*\])?\{[^}]*\}",
                r"\\(maketitle|centering|noindent|newline|clearpage|newpage|hline|toprule|midrule|"
                r"bottomrule|small|footnotesize|par)\b",
                r"\\(begin|end)\{(itemize|enumerate|description|abstract|center|quote|table\*?)\}",
                r"``|''"):
        for m in re.finditer(pat, s):
            if m.group(0).startswith("\\label") and _inside_math(s, m.start()):
                continue
            _blank(w, m.start(), m.end())
        s = "".join(w)
    # \textbf{X}, \emph{X}, ... -> X (outside math); \item -> a list marker
    for m in re.finditer(r"\\(textbf|textit|emph|textrm|textsf|texttt|underline|mbox)\{([^{}]*)\}", s):
        if _inside_math(s, m.start()):
            continue
        _gone(w, m.start(), m.start(2))
        _gone(w, m.end(2), m.end())
    s = "".join(w)
    for m in re.finditer(r"~", s):
        if not _inside_math(s, m.start()):
            w[m.start()] = " "
    return code


def _inside_math(s: str, pos: int) -> bool:
    """Cheap test: is pos between an opening and a closing math delimiter on its line/env?"""
    before = s[max(0, pos - 400):pos]
    return before.count("$") % 2 == 1 or before.rfind("\\(") > before.rfind("\\)") or \
        before.rfind("\\[") > before.rfind("\\]") or \
        len(re.findall(r"\\begin\{(?:" + _MATH_ENVS + r")\}", before)) > \
        len(re.findall(r"\\end\{(?:" + _MATH_ENVS + r")\}", before))


# -- formula spans ---------------------------------------------------------------------------

_DISPLAY = [re.compile(r"\$\$(.+?)\$\$", re.S), re.compile(r"\\\[(.+?)\\\]", re.S),
            re.compile(r"\\begin\{(" + _MATH_ENVS + r")\}(.+?)\\end\{\1\}", re.S)]
_INLINE = [re.compile(r"\\\((.+?)\\\)", re.S), re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$"),
           re.compile(r"`([^`\n]+)`")]


def _rows(body: str, offset: int) -> list[tuple[int, int, str]]:
    """The rows of a display block: split at top-level \\\\ (aligned environments), '&' dropped;
    a row that starts with '=' continues the chain above it."""
    rows: list[list] = []
    depth, start = 0, 0
    cuts = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif body.startswith("\\\\", i) and depth == 0:
            cuts.append((start, i))
            start = i + 2
            i += 2
            continue
        i += 1
    cuts.append((start, len(body)))
    for a, b in cuts:
        text = body[a:b].replace("&", " ")
        if not text.strip():
            continue
        if rows and re.match(r"\s*(=|\\approx|≈)", text):
            rows[-1][1] = offset + b
            rows[-1][2] += " " + text.strip()
        else:
            lead = len(text) - len(text.lstrip())
            rows.append([offset + a + lead, offset + b, text.strip()])
    return [tuple(r) for r in rows]


_NUMBER_ONLY = re.compile(r"^\s*~?\s*\d[\d.,{}]{0,18}\s*(?:\\,|\\ |\s)*(?:\\times|×|x|\\%|%|\\text\{\s*(?:M|million|B)\s*\})?\s*$")


_NAME_SPAN = re.compile(r"\s*[A-Za-z][A-Za-z0-9]{0,3}(?:_[A-Za-z0-9]{1,6})?'?\s*")  # `c_in`, `k`, `D_K`


def _spans(w: list, code_span_ok) -> list[Span]:
    spans: list[Span] = []
    s = "".join(w)
    for k, pat in enumerate(_DISPLAY):
        for m in pat.finditer(s):
            g = 2 if k == 2 else 1
            rows = _rows(m.group(g), m.start(g))
            for r, (a, b, text) in enumerate(rows):
                spans.append(Span(a, b, text, "display", mark=m.start() + r))
            for r in range(len(rows)):
                w[m.start() + r] = SPAN
            _gone(w, m.start() + len(rows), m.end())
            end = m.group(g).rstrip()
            if end.endswith((".", "!", "?")) and not end.endswith(".."):  # '… + 1 .' ends a sentence
                w[m.start(g) + len(end) - 1] = end[-1]
        s = "".join(w)
    for k, pat in enumerate(_INLINE):
        for m in pat.finditer(s):
            body = m.group(1)
            if k < 2 and _NUMBER_ONLY.match(body):  # '$8.7\times$', '$52.3\%$': prose numbers
                _gone(w, m.start(), m.start(1))
                _gone(w, m.end(1), m.end())
                for x in re.finditer(r"\\times|\\%|\\[,! ]|[{}]", body):
                    _gone(w, m.start(1) + x.start(), m.start(1) + x.end())
                    if x.group(0) == "\\times":
                        w[m.start(1) + x.start()] = "×"
                    elif x.group(0) == "\\%":
                        w[m.start(1) + x.start()] = "%"
                continue
            if k == 2 and not code_span_ok(body):
                if _NAME_SPAN.fullmatch(body):  # '`c_in` is the number of input channels'
                    _gone(w, m.start(), m.start(1))
                    _gone(w, m.end(1), m.end())
                else:
                    _blank(w, m.start(), m.end())  # code, not a formula
                continue
            spans.append(Span(m.start(1), m.end(1), body, "code" if k == 2 else "inline",
                              mark=m.start()))
            w[m.start()] = SPAN
            _gone(w, m.start() + 1, m.end())
        s = "".join(w)
    spans.sort(key=lambda sp: sp.start)
    return spans


# -- headings and blocks ---------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_EMPH_LINE = re.compile(r"^\s*(\*{1,3}|_{1,3})\s*(?P<t>[^*_\n][^\n]*?)\s*\1\s*$")
_NUMBERED = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)+\.?|\d+\.(?=\s*[*_]))\s*[*_]*\s*\.?\s*(?P<t>[A-Za-z][^\n]*)$")
_LATEX_HEAD = re.compile(r"^\s*\\(part|chapter|section|subsection|subsubsection|paragraph|"
                         r"subparagraph)\*?\s*(\[[^\]]*\])?\s*\{(?P<t>[^}]*)\}")
_ITEM = re.compile(r"^\s*([-*+•]|\d+[.)]|\\item\b)\s+")
_CONNECTIVE = re.compile(
    r"^(so|since|hence|thus|then|therefore|and|but|or|if|when|where|which|that|this|these|it|"
    r"we|as|because|for example|here|now|also|let|given|suppose|consider|note|total|the|a|an)\b",
    re.I)


def _clean_title(t: str) -> str:
    return " ".join(re.sub(r"[*_`#]+", " ", t).replace(GONE, "").split()).strip(" .:")


def _heading(line: str, fmt: str, standalone: bool) -> tuple[str, bool] | None:
    """(title, structural) when the line is a heading."""
    if fmt == "latex":
        m = _LATEX_HEAD.match(line)
        return (_clean_title(m.group("t")), True) if m else None
    m = _MD_HEADING.match(line)
    if m:
        return _clean_title(m.group(2)), True
    if "=" in line or SPAN in line or "$" in line:
        return None
    m = re.match(r"^\s*\d+\.\s+(?P<t>[A-Z][^\n]*)$", line)
    if m and standalone and len(m.group("t").split()) <= 8 and not re.search(r"[.!?;,:]\s*$", m.group("t")):
        return _clean_title(m.group("t")), True
    m = _NUMBERED.match(line)
    if m and len(m.group("t").split()) <= 10 and not re.search(r"[.!?;,]\s*$", m.group("t").rstrip("*_ ")):
        return _clean_title(m.group("t")), True
    m = _EMPH_LINE.match(line)
    if m and len(m.group("t").split()) <= 12 and not m.group("t").rstrip("*_ ").endswith((":", ".", ",")):
        return _clean_title(m.group("t")), False
    t = line.strip()
    if standalone and t and 1 <= len(t.split()) <= 8 and t[0].isupper() and \
            not re.search(r"[.!?:;,)]$", t) and not _CONNECTIVE.match(t) and \
            not re.search(r"[=+/^×·*]|\d\s*x\s*\d", t) and not _ITEM.match(t):
        return _clean_title(t), False
    return None


def _lines(s: str):
    pos = 0
    for ln in s.split("\n"):
        yield pos, ln
        pos += len(ln) + 1


def _blank_line(ln: str) -> bool:
    return not ln.replace(GONE, "").strip()


def _blocks(s: str, raw: str, fmt: str) -> tuple[list[Block], list]:
    """Blocks of the masked text s; raw is the text before emphasis was removed (headings)."""
    lines = list(_lines(s))
    raw_lines = raw.split("\n")
    groups: list[list[tuple[int, str, str]]] = [[]]
    for (pos, ln), rl in zip(lines, raw_lines):
        if _blank_line(ln):
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append((pos, ln, rl))
    blocks: list[Block] = []
    headings: list = []
    for g in groups:
        if not g:
            continue
        unwrapped = fmt != "latex" and any(len(ln) > MAX_UNWRAPPED for _, ln, _ in g)
        cur: list = []

        def flush():
            if cur:
                blocks.append(Block(cur[0][0], cur[-1][0] + len(cur[-1][1]),
                                    "item" if _ITEM.match(cur[0][1]) else "para"))
                cur.clear()

        for gi, (pos, ln, rl) in enumerate(g):
            standalone = len(g) == 1 or unwrapped
            if fmt != "latex" and gi + 1 < len(g) and re.fullmatch(r"\s*(=+|-+)\s*", g[gi + 1][1]) \
                    and ln.strip():
                flush()  # a setext heading: the line above '====' or '----'
                blocks.append(Block(pos, g[gi + 1][0] + len(g[gi + 1][1]), "heading"))
                headings.append((pos, _clean_title(rl), True))
                continue
            if gi > 0 and fmt != "latex" and re.fullmatch(r"\s*(=+|-+)\s*", ln) and \
                    blocks and blocks[-1].kind == "heading" and blocks[-1].end >= pos:
                continue
            h = _heading(rl if fmt != "latex" else ln, fmt, standalone)
            if h is not None and not re.search(r"(?![Ee]q\b)[A-Za-z]{3,}",
                                               re.sub(r"\b(?:eq|Eq|equation|Equation)\b", "", h[0])):
                h = None  # '*(eq. 2)*' on a line of its own is a tag, not a heading
            if h is not None and h[0]:
                flush()
                blocks.append(Block(pos, pos + len(ln), "heading"))
                headings.append((pos, h[0], h[1]))
                continue
            if unwrapped or _ITEM.match(ln):
                flush()
            cur.append((pos, ln))
            if unwrapped:
                flush()
        flush()
    return blocks, headings


# -- sentences -------------------------------------------------------------------------------

_ABBREV = re.compile(r"\b(e\.g|i\.e|eq|eqs|Eq|Eqs|fig|Fig|figs|no|No|vs|al|etc|approx|resp|cf|"
                     r"sec|Sec|tab|Tab|Dr|Mr|Ms|conv|resp|ref|Ref|ca|viz|esp|incl|avg|max|min|"
                     r"num|dim|ch|w\.r\.t|a\.k\.a|\w\.\w)\s*\.$")
# A single capital before '.' is an initial only at the start or after a name or another initial
# ('A. G. Howard', 'Andrew G. Howard'); after any other word it is a symbol that ends the sentence
# ('… of size Dk x Dk x M. Then'). A digit before '.' ends a sentence ('at 224x224. MobileNet …').
_INITIAL = re.compile(r"(?:^|(?<![\w.])(?:[A-Z][a-z]+|[A-Z]\.)\s+|(?<![\w.])[A-Z]\.)[A-Z]\s*\.$")


_LOWER_CONTINUES = re.compile(r"(?:where|with|and|or|but|which|i\.e|e\.g|etc|vs|resp)\b")


def _starts_sentence(s: str, k: int, b: int) -> bool:
    """A lowercase word after '. ' starts a sentence in informal text ('… mult-adds. mobilenet v1
    has …'), except a word that carries a clause on ('where M is …', 'and N is …')."""
    return not _LOWER_CONTINUES.match(s, k, b)


def _abbreviation(head: str) -> bool:
    return bool(_ABBREV.search(head) or _INITIAL.search(head))


def _visible(s: str) -> str:
    return s.replace(GONE, "")


_LABEL_LINE = re.compile(r"[ \t]{2,}[A-Za-z][\w ()'/-]{0,40}:\s|[A-Z][\w ()'/-]{0,50}:[ \t]{2,}")


def _split_sentences(s: str, a: int, b: int) -> list[tuple[int, int]]:
    out, start = [], a
    i = a
    while i < b:
        c = s[i]
        if c == "\n" and i > start and _LABEL_LINE.match(s, i + 1) and _visible(s[start:i]).strip():
            out.append((start, i))  # 'Cost of the two passes:  …' starts a statement of its own
            start = i + 1
            i += 1
            continue
        if c in ".!?" and i > a and s[i - 1] not in " \t\n":
            j = i + 1
            while j < b and s[j] in GONE + "*_)\"'”’":
                j += 1
            if j >= b or s[j] in " \t\n":
                k = j
                while k < b and s[k] in " \t\n" + GONE + "*_":
                    k += 1
                head = _visible(s[max(a, i - 16):i + 1])
                nxt = s[k] if k < b else ""
                if (k >= b or nxt.isupper() or nxt.isdigit() or nxt in SPAN + "([\"'“‘" or
                        nxt.isalpha() and _starts_sentence(s, k, b)) and \
                        not (c == "." and _abbreviation(head)):
                    out.append((start, j))
                    start = k
                    i = k
                    continue
        i += 1
    if _visible(s[start:b]).strip():
        out.append((start, b))
    return out


_TAG_END = re.compile(r"\(\s*(eq(uation)?|Eq(uation)?)\.?\s*\d+\s*\)[\s*_]*$")


def _open(text: str) -> bool:
    """A sentence a reader carries on into the next block: it ends in ':' ',' ';' or mid-phrase."""
    t = text.replace(GONE, "").rstrip(" \t\n*_")
    if not t or _TAG_END.search(t):
        return False
    if t[-1] in ":,;":
        return True
    if t[-1] in ".!?":
        return False
    if t[-1] == SPAN:
        return False
    return bool(re.search(r"\b(the|a|an|of|so|is|are|to|by|and|or|for|with|as|be|in|on|that|"
                          r"which|operation|convolution|we|get|gives|becomes|equals)$", t, re.I))


def read(text: str, fmt: str = "markdown") -> Document:
    """The article as blocks and sentences, each formula a Span with its line."""
    from .plain import code_span_formula, find_plain  # the prose formula scanner

    w = list(text)
    code = _mask_latex(text, w) if fmt == "latex" else _mask_markdown(text, w)
    spans = _spans(w, code_span_formula)
    raw = "".join(w)  # headings are read before emphasis markers go
    s = raw
    if fmt != "latex":
        for m in re.finditer(r"\*{2,}|(?<![A-Za-z0-9])__+|__+(?![A-Za-z0-9])", s):
            _gone(w, m.start(), m.end())
        s = "".join(w)
    for m in re.finditer(r"\\([_*#%&$])", s):  # Markdown / LaTeX escapes in prose: D\_K
        w[m.start()] = GONE
    s = "".join(w)
    blocks, headings = _blocks(s, raw, fmt)
    doc = Document(text, fmt, blocks, [], headings, code)
    doc._nl = [i for i, c in enumerate(text) if c == "\n"]
    by_mark = {sp_.mark: sp_ for sp_ in spans}
    head_pos = [h[0] for h in headings]
    ranges: list[list[tuple[int, int]]] = []  # each sentence: its (start, end) ranges
    owner: list[int] = []  # each sentence: its block
    carry: list | None = None
    carry_block = -1
    for bi, blk in enumerate(blocks):
        blk.line, blk.end_line = doc.line_of(blk.start), doc.line_of(max(blk.start, blk.end - 1))
        if blk.kind == "heading":
            if carry is not None:
                ranges.append(carry)
                owner.append(carry_block)
                carry = None
            continue
        parts = _split_sentences(s, blk.start, blk.end)
        first_text = _visible(s[parts[0][0]:parts[0][1]]).lstrip(" \t\n*_") if parts else ""
        if carry is None and parts and ranges and first_text[:1].islower() and \
                bi > 0 and blocks[bi - 1].kind != "heading" and blk.kind != "item":
            carry, carry_block = ranges.pop(), owner.pop()  # 'where M is …', 'so the ratio is …'
        for pi, (a, b) in enumerate(parts):
            if carry is not None and pi == 0:
                cur, carry = carry + [(a, b)], None
            else:
                if carry is not None:
                    ranges.append(carry)
                    owner.append(carry_block)
                    carry = None
                cur = [(a, b)]
            if pi == len(parts) - 1 and _open(s[a:b]):
                carry, carry_block = cur, bi
                continue
            ranges.append(cur)
            owner.append(bi)
    if carry is not None:
        ranges.append(carry)
        owner.append(carry_block)
    tags: set = set()  # equation numbers seen so far
    for rs, bi in zip(ranges, owner):
        flat: list[str] = []
        pos: list[int] = []
        found: list[Span] = []
        for a, b in rs:
            if flat:
                flat.append(" ")
                pos.append(a)
            for i in range(a, b):
                c = s[i]
                if c == GONE:
                    continue
                if c == SPAN and i in by_mark:
                    found.append(by_mark[i])
                flat.append("\n" if c == "\n" else c)
                pos.append(i)
        text_flat = "".join(flat)
        if not text_flat.replace(SPAN, "").strip() and not found:
            continue
        sent = Sentence(rs[0][0], rs[-1][1], text_flat, found, bi, pos=pos)
        hi = bisect.bisect_right(head_pos, sent.start) - 1
        if hi >= 0:
            sent.heading = headings[hi][1]
            for h in reversed(headings[:hi + 1]):
                if h[2]:
                    sent.section = h[1]
                    break
        find_plain(sent, tags)
        for sp_ in sent.spans:
            if sp_.tag:
                tags.add(sp_.tag)
        for sp_ in sent.spans:
            sp_.line, sp_.end_line = doc.line_of(sp_.start), doc.line_of(max(sp_.start, sp_.end - 1))
        sent.line = doc.line_of(pos[0] if pos else sent.start)
        sent.end_line = doc.line_of(pos[-1] if pos else sent.end)
        doc.sentences.append(sent)
    return doc
