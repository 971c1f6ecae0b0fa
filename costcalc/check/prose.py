"""What the words around a formula say: the kind it claims to be, what its symbols stand for,
and the values the text gives them.

Everything here is data a reviewer can read row by row (STYLE lesson 12): the words that name a
kind (:data:`KIND_WORDS`), a quantity (:data:`MEASURE_WORDS`), the scope of one output value
(:data:`PER_OUTPUT`), a role (:data:`ROLE_PHRASES`). The functions only search and rank.

A kind is decided by the nearest naming word, looking in this order and stopping at the first
that names one: the formula's label (``Total multiplications =``, ``Depthwise cost:``), the words
before it in its sentence, the rest of the sentence, the previous sentence, the heading, the
section. 'Convolution' alone is the weakest word: it means a standard convolution only when
nothing else is named anywhere in that chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .document import SPAN, Document, Sentence
from .parse import AUTO, ExpressionError, normalize_name
from .plain import symbol_like, x_product

# -- vocabularies ----------------------------------------------------------------------------

_SEP = r"sep[ae]r[ae]bl[ey]|separated"
# (tag, pattern): the first pattern that matches a span of text names that kind there.
KIND_WORDS: list[tuple[str, str]] = [
    ("v2", r"bottleneck|inverted[\s-]+residual|mobile[\s-]*net[\s-]*v?2\b|expansion layer"),
    ("spatial", r"spa?r?tial(?:ly)?[\s-]+(?:" + _SEP + r")|spa?r?tially\b|spa?r?tial[\s-]+conv\w*|"
                r"k\s*[x×]\s*1 (?:and|then) 1\s*[x×]\s*k|"
                r"\b(?:on|over|of|across)\s+(?:an?|the)\s+(\w+)\s*[x×]\s*\1\s+(?:image|picture)\b"),
    ("separable", r"depth[\s-]*wise[\s-]+(?:" + _SEP + r")|depth[\s-]+(?:" + _SEP + r")|" + _SEP + r"|\bsep\b" +
                  r"|\bsplit\w*|divided into|factori[sz]\w* into|decompos\w* into|"
                  r"\btwo\s+(?:1-?D\s+|one-dimensional\s+|separate\s+)?(?:passes|filters|convolutions)\b"),
    ("depthwise", r"depth[\s-]*wise|\bdw\b|channel[\s-]*wise|\bdepthwise"),
    ("pointwise", r"point[\s-]*wise|1\s*[x×∗*]\s*1(?:\s*\(pointwise\))?\s+conv|\bpw\b"),
    ("grouped", r"group(?:ed)?[\s-]+conv\w*|\bwith \w+ groups\b|\bgroups\b|\bgrp\b|\bgrouped\b"),
    ("dilated", r"dilat\w*|atrous"),
    ("transposed", r"transposed?|de-?convolution|fractionally[\s-]+strided|up-?convolution"),
    ("standard", r"standard|\bstd\b|regular|normal|traditional|conventional|ordinary|vanilla|"
                 r"full(?:y)?[\s-]*conv\w*|simple conv\w*|plain conv\w*|"
                 r"\bfull\s+(?:\S+\s+)?(?:filter|kernel)"),
    ("ratio", r"\bratio\b|\breduction\b|\breduced?\b|\bfewer\b|\blesser\b|\bsavings?\b|\bsaves?\b|"
              r"relative to|fraction of|compared (?:to|with)|\btimes (?:less|fewer|cheaper|smaller)"),
    ("conv", r"convolution\w*|\bconv\b|\bconvs\b"),
]
ALPHA_WORDS = r"width multiplier|depth multiplier|\\alpha|α"
RHO_WORDS = r"resolution multiplier|\\rho|ρ"
MEASURE_WORDS = {
    "params": r"\bparam\w*|\bweights?\b|\bweight count",
    "flops": r"\bflops?\b|floating[\s-]point operations",
    "macs": r"mult[\s-]*adds?|multiply[\s-]*(?:adds?|accumulat\w*)|multiplications?|multiplicants?|"
            r"multiplies|\bmacs?\b|\bmadds\b|operations|\bops\b|computation\w*|\bcosts?\b|complexit\w*",
}
PER_OUTPUT = (r"\b(?:single|one|1|each)\s+(?:\w+[\s-]+){0,2}?(?:convolution|conv|filter|kernel|"
              r"position|pixel|output|location|dot[\s-]product)s?(?:\s+operation)?\b(?!\s+(?:layer|network))|"
              r"\bper\s+(?:convolution|output|position|pixel|location|filter)|"
              r"\bfor each (?:output|position|pixel)|size of the filter itself|per\s+(?:conv\w*)|"
              r"\b(?:every|each)\b[^,.;]{0,40}?\b(?:outputs?|positions?|pixels?|locations?)\b")
AGGREGATE = r"\b(?:total|overall|sum|together|combined|altogether|added|in all|both|whole|plus|followed by)\b"
LARGE = (r">>|≫|\\gg\b|much (?:larger|bigger|greater)|way (?:larger|bigger)|\blarge\b|\bwide\b|→\s*∞|"
         r"\\to\s*\\infty|infinity|grows|in the limit|asymptotic\w*|becomes? (?:very )?big")

# Role words: what an author's symbol stands for (the canonical roles of costcalc.symbolic).
_IN = r"(?:input|incoming)"
_OUT = r"(?:output|outgoing|resulting)"
_MAP = r"(?:\s+(?:feature[\s-]*map|image|map|matrix|tensor|volume|data))?"
_SIDE = r"(?:spatial\s+)?(?:width\s+(?:and|&)\s+height|height\s+(?:and|&)\s+width|side|size|width|height|resolution|dimension)"
ROLE_PHRASES: list[tuple[str, str]] = [
    ("M", rf"(?:number of |no\.? of )?{_IN}{_MAP}?\s+(?:channels?|depth|feature[\s-]*maps?)|{_IN} depth|"
          rf"depth of the {_IN}|channels? (?:of|in) the {_IN}{_MAP}|"
          rf"(?:number|no\.?) of channels(?: in the {_IN}{_MAP})?"),
    ("N", rf"(?:number of |no\.? of )?{_OUT}{_MAP}?\s+(?:channels?|depth|feature[\s-]*maps?)|{_OUT} depth|"
          r"(?:number|no\.?) of (?:filters|kernels)"),
    ("Dk", r"kernel (?:size|side|width)|filter (?:size|side|width)|size of the (?:kernel|filter)"),
    ("Di", rf"{_SIDE}(?:\s+of)?\s+(?:the |a |an )?(?:square )?{_IN}{_MAP}|"
           rf"{_IN}{_MAP}\s+{_SIDE}|image {_SIDE}|{_SIDE} of the image"),
    ("Df", rf"{_SIDE}(?:\s+of)?\s+(?:the |a |an )?(?:square )?{_OUT}{_MAP}|"
           rf"{_OUT}{_MAP}\s+{_SIDE}|feature[\s-]*map {_SIDE}"),
    ("s", r"\bstride\b"), ("p", r"\bpadding\b"), ("d", r"\bdilation(?: rate| factor)?"),
    ("g", r"(?:number of )?groups"), ("t", r"expansion (?:factor|ratio|rate)"),
    ("alpha", r"width multiplier|depth multiplier"), ("rho", r"resolution multiplier"),
]
_ROLE_RE = [(role, re.compile(pat, re.I)) for role, pat in ROLE_PHRASES]


def role_of_phrase(text: str) -> str | None:
    """'no. of filters' -> 'N', 'input channels' -> 'M' (None when it names no role)."""
    t = " ".join(text.lower().replace("*", " ").split())
    for role, rx in _ROLE_RE:
        m = rx.search(t)
        if m and len(m.group(0)) >= len(t) - 6:
            return role
    return None


# -- finding words ---------------------------------------------------------------------------

_KIND_RE = [(tag, re.compile(pat, re.I)) for tag, pat in KIND_WORDS]


@dataclass(frozen=True)
class Hit:
    tag: str
    words: str
    pos: int


def kind_hits(text: str) -> list[Hit]:
    return list(_kind_hits(text))


@lru_cache(maxsize=16384)
def _kind_hits(text: str) -> tuple:
    """Every kind word in text, earlier patterns winning where they overlap ('depthwise
    separable' is one separable hit, not a depthwise one)."""
    taken: list[tuple[int, int]] = []
    out: list[Hit] = []
    for tag, rx in _KIND_RE:
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append(Hit(tag, " ".join(m.group(0).split()), m.start()))
    out.sort(key=lambda h: h.pos)
    return tuple(out)


def has(pattern: str, text: str) -> re.Match | None:
    return re.search(pattern, text, re.I)


@dataclass
class Source:
    name: str  # label | sentence | after | previous | heading | section
    text: str
    anchor: int  # where the formula sits in text (distance is measured from it)
    anchor_end: int | None = None  # where it ends: words after it count up to the clause's end


@dataclass
class Decision:
    kinds: list  # KINDS names, the claim first
    tag: str | None  # the deciding word's tag
    words: str  # the deciding words
    source: str  # where they were
    measure: str  # macs | params | flops
    per_output: bool = False
    alpha: bool = False
    rho: bool = False
    spatial: bool = False

    def says(self) -> str:
        if not self.tag:
            return ""
        where = {"label": "its label", "sentence": "its sentence", "after": "its sentence",
                 "previous": "the sentence before", "heading": "the heading",
                 "section": "the section heading", "formula": "the formula"}.get(self.source, self.source)
        return f"'{self.words}' ({where})"


_ORDER = ["label", "sentence", "after", "previous", "heading", "section"]


CONTRAST = re.compile(r"(?:unlike|instead of|rather than|compared (?:to|with)|than|versus|vs\.?|"
                      r"as opposed to|not|nor|in contrast to|similar to|like)\s+(?:the\s+|a\s+|an\s+)?"
                      r"(?:\w+\s+)?$", re.I)


def _contrasted(text: str, h: Hit) -> bool:
    """'unlike standard CNNs', 'compared to standard convolutions': not what is claimed."""
    return bool(CONTRAST.search(text[max(0, h.pos - 30):h.pos]))


def _clause_before(text: str, anchor: int) -> str:
    """The words of the formula's own clause, up to it."""
    head = text[:anchor]
    cut = max(head.rfind(","), head.rfind(";"), head.rfind(":"), head.rfind("."))
    return head[cut + 1:]


def decide(sources: list[Source], dimensionless: bool = False, want: str | None = None) -> Decision:
    """The claimed kind from the sources in priority order (see the module docstring).

    dimensionless: the formula is a ratio (degree 0), so a 'ratio' word decides and a plain
    cost word does not; a cost formula skips 'ratio' words. want: 'ratio' for a numeric claim
    such as '8 to 9 times fewer'. A kind named in contrast ('unlike standard CNNs', 'compared
    to standard') is not the claim. The spatially separable family is chosen by its own words,
    or by a heading that names it when the deciding word leaves the family open ('traditional
    convolution' under 'Spatial separable convolution')."""
    weak: tuple | None = None
    chosen: tuple | None = None
    all_text = " ".join(s.text for s in sources)
    ratio_mode = dimensionless or want == "ratio"
    sent_src = next((x for x in sources if x.name == "sentence"), None)
    agg_here = sent_src is not None and bool(has(AGGREGATE, sent_src.text[:sent_src.anchor + 1]))
    for s in sources:
        hits = [h for h in kind_hits(s.text) if not _contrasted(s.text, h)]
        usable = []
        for h in hits:
            if h.tag == "ratio" and not ratio_mode:
                continue
            if h.tag == "conv":
                if weak is None and s.name not in ("heading", "section"):
                    weak = (s, h)  # a heading's 'convolution' names no kind
                continue
            usable.append(h)
        if ratio_mode:
            ratio = [h for h in usable if h.tag == "ratio"]
            if ratio:
                usable = ratio + [h for h in usable if h.tag == "spatial"]
        if s.anchor_end is not None:  # after the formula: only its own clause
            tail = s.text[s.anchor_end:]
            cut = re.search(r"[,;:.]|⟨formula⟩", tail)
            limit = s.anchor_end + (cut.start() if cut else len(tail))
            usable = [h for h in usable if h.pos < s.anchor or h.pos < limit]
        if usable:
            h = min(usable, key=lambda h: (abs(h.pos - s.anchor), -h.pos))
            if s.name in ("sentence", "label", "previous"):
                before = [x for x in usable if x.pos <= s.anchor]
                if before:
                    h = before[-1]
                    if ratio_mode and h.tag == "spatial" and any(x.tag == "ratio" for x in before):
                        h = [x for x in before if x.tag == "ratio"][-1]
            # 'the sum of the depthwise and pointwise costs': the separable cost
            tags = {x.tag for x in usable}
            if {"depthwise", "pointwise"} <= tags and (has(AGGREGATE, s.text) or (
                    s.name == "previous" and agg_here)) and h.tag in ("depthwise", "pointwise"):
                h = Hit("separable", " … ".join(x.words for x in usable
                                                 if x.tag in ("depthwise", "pointwise")), h.pos)
            chosen = (s, h)
            break
    if chosen is None and weak is not None:
        chosen = (weak[0], Hit("standard", weak[1].words, weak[1].pos))
    src = chosen[0] if chosen else None
    tag = chosen[1].tag if chosen else None
    spatial = False
    family_heading = any(h.tag == "spatial" for x in sources if x.name in ("heading", "section")
                         for h in kind_hits(x.text))
    if tag == "spatial":
        words = chosen[1].words.lower()
        spatial = True
        tag = "ratio" if ratio_mode else ("separable" if re.search(r"sep|spatially|split", words)
                                          else None)
        if src is not None and src.name in ("heading", "section") and not ratio_mode:
            tag = None  # a heading names the family; the formula may be any of its costs
    elif tag in (None, "standard", "ratio") or (tag == "separable" and not re.search(
            r"depth|dw", chosen[1].words, re.I)):
        same = src is not None and any(h.tag == "spatial" for h in kind_hits(src.text)
                                       if not _contrasted(src.text, h))
        spatial = family_heading or same
    if spatial and tag is None:  # which of the family: the full k×k filter or the two passes
        sent0 = next((x for x in sources if x.name == "sentence"), None)
        if sent0 is not None:
            clause = _clause_before(sent0.text, sent0.anchor)
            member = spatial_member(clause)
            if member:
                tag = member[0]
                chosen = (sent0, Hit(tag, member[1], sent0.anchor))
                src = sent0
    measure = "macs"
    label_ = next((x.text for x in sources if x.name == "label"), "")
    sent_ = next((x for x in sources if x.name == "sentence"), None)
    lab = label_ or (_clause_before(sent_.text, sent_.anchor) if sent_ else "")
    if not has("|".join(MEASURE_WORDS.values()), lab):
        lab = " ".join(x.text for x in sources if x.name in ("label", "sentence"))
    if has(MEASURE_WORDS["params"], lab) and not has(r"\bparameter\s+\\?\(?\s*(α|ρ|\\alpha|\\rho)", lab):
        measure = "params"
    if has(MEASURE_WORDS["flops"], lab):
        measure = "flops"
    label = next((x.text for x in sources if x.name == "label"), "")
    sent = next((x for x in sources if x.name == "sentence"), None)
    scope = label or (_clause_before(sent.text, sent.anchor) if sent else "")
    per_output = bool(has(PER_OUTPUT, scope)) and not has(r"\btotal\b|\boverall\b", scope)
    near = " ".join(x.text for x in sources if x.name in ("label", "sentence", "previous"))
    d = Decision([], tag, chosen[1].words if chosen else "", src.name if src else "", measure,
                 per_output, bool(has(ALPHA_WORDS, near)), bool(has(RHO_WORDS, near)), spatial)
    if dimensionless and d.tag in ("separable", "depthwise", "pointwise", "standard"):
        d.tag = "ratio"  # a dimensionless quantity can only be the ratio of two costs
    d.kinds = kinds_for(d, src.text if src is not None else all_text)
    return d


_SPATIAL_MEMBER = [
    ("standard", r"\b(\w+)\s*[x×]\s*\1\s+(?:filter|kernel|convolution)s?\b|\bfull\b|\bregular\b|"
                 r"\bstandard\b|\btraditional\b|\bone\s+(?:2-?D\s+)?(?:convolution|filter)\b"),
    ("separable", r"\b(\w+)\s*[x×]\s*1\b|\b1\s*[x×]\s*(\w+)\b|\b1-?D\b|\btwo\s+(?:\w+\s+)?passes\b|"
                  r"\bsep[ae]r[ae]ble\b|\bsplit\b"),
]


def spatial_member(before: str) -> str | None:
    """The member of the spatially separable family the words just before a claim name:
    the full k×k filter ('the m×m filter costs') or the k×1 and 1×k passes."""
    best = None
    for tag, pat in _SPATIAL_MEMBER:
        for m in re.finditer(pat, before, re.I):
            if best is None or m.start() > best[0]:
                best = (m.start(), tag, m.group(0))
    return (best[1], best[2]) if best else None


_FAMILY = {
    "v2": ["v2_block"], "separable": ["separable"], "depthwise": ["depthwise"],
    "pointwise": ["pointwise"], "grouped": ["grouped"], "dilated": ["dilated"],
    "transposed": ["transposed"], "standard": ["standard"], "ratio": ["ratio"],
}
_SPATIAL = {"separable": ["spatial_separable"], "standard": ["spatial_standard"],
            "ratio": ["spatial_ratio"], None: ["spatial_standard", "spatial_separable", "spatial_ratio"]}
_PARAMS = {"standard": "standard_params", "depthwise": "depthwise_params",
           "pointwise": "pointwise_params", "separable": "separable_params",
           "grouped": "grouped_params"}
_PER_OUTPUT = {"standard": "standard_per_output", "depthwise": "depthwise_per_output",
               "pointwise": "pointwise_per_output", "grouped": "grouped_per_output",
               "spatial_standard": "spatial_standard_per_output",
               "spatial_separable": "spatial_separable_per_output"}


def kinds_for(d: Decision, text: str) -> list[str]:
    if d.spatial and d.tag in (None, "separable", "standard", "ratio", "depthwise"):
        names = list(_SPATIAL.get(d.tag if d.tag != "depthwise" else "separable"))
    elif d.tag is None:
        return []
    else:
        names = list(_FAMILY.get(d.tag, []))
    if d.tag == "grouped" and has(r"point[\s-]*wise|1\s*[x×]\s*1", text):
        names = ["pointwise_grouped", "grouped"]
    if d.measure == "params":
        names = [_PARAMS.get(n, n) for n in names]
    elif d.per_output:
        names = [_PER_OUTPUT.get(n, n) for n in names]
    return names


# -- symbols the text defines ----------------------------------------------------------------

@dataclass
class Definition:
    name: str  # the author's spelling, normalised (D_K, Dp, m)
    role: str
    sentence: int  # index in doc.sentences
    line: int
    words: str  # the words that defined it
    strong: bool = True
    scope: str = ""  # a section title: only there ('an N×N image' in a spatial section)


@dataclass
class ShapeClaim:
    """'N filters of size Dk x Dk x N': the filter's depth is a claim about the layer."""

    sentence: int
    line: int
    what: str  # filter | output
    text: str  # the shape as written
    depth: str  # the author's depth symbol or number
    kind_words: str = ""


@dataclass
class Values:
    """Numbers the text gives a symbol or a role: 'm = 5', 'a 3×3 kernel', '512 channels'."""

    by_name: dict = field(default_factory=dict)  # author name -> [values]
    by_role: dict = field(default_factory=dict)  # role -> [values]
    said: list = field(default_factory=list)  # the words, for the note

    def merged(self, other: "Values") -> "Values":
        out = Values(dict(self.by_name), dict(self.by_role), list(self.said))
        for k, v in other.by_name.items():
            out.by_name[k] = v
        for k, v in other.by_role.items():
            out.by_role[k] = v
        out.said += [s for s in other.said if s not in out.said]
        return out

    def empty(self) -> bool:
        return not self.by_name and not self.by_role


def _sym_name(raw: str) -> str | None:
    """An author's symbol as the parser spells it, or None when it is not one."""
    raw = raw.strip().strip("$").strip()
    raw = re.sub(r"^\\\(|\\\)$", "", raw).strip()
    raw = raw.replace("\\_", "_")
    if not raw or len(raw) > 12:
        return None
    parts = x_product(raw)
    if parts and len(set(p for p in parts if p)) == 1 and not parts[0].isdigit():
        raw = parts[0]  # 'PxP' is P
    try:
        name = normalize_name(raw)
    except ExpressionError:
        return None
    if not (symbol_like(name) or name in ("alpha", "rho")):
        return None
    return name


_SYMTOK = r"(?P<sym>\\?[A-Za-zα-ω](?:[A-Za-z0-9]|\\?_\{?[A-Za-z0-9]+\}?)?'*)"
_NUM = r"(?P<num>\d+(?:\.\d+)?)"
_BE = r"(?:is|are|denotes?|represents?|stands? for|means|be|gives?|:|=|as)"
_X = r"\s*(?:x|×|\*|\\times|∗|·|\\cdot)\s*"


def _shape(text: str) -> list[str] | None:
    """'Df x Df x M' -> ['Df', 'Df', 'M'] (numbers allowed)."""
    parts = re.split(r"\s*(?:x|×|\*|\\times|∗|·|\\cdot)\s*|(?<=[A-Za-z0-9])x(?=[A-Za-z0-9])", text.strip())
    parts = [p.strip().strip("()") for p in parts]
    if not 2 <= len(parts) <= 3 or not all(parts):
        return None
    for p in parts:
        if not (p.isdigit() or _sym_name(p)):
            return None
    return parts


def _sides_of(parts: list) -> list:
    """The side symbols of a shape 'H x W x C' or 'Df x Df x M': its first two, not numbers."""
    sides = parts[:2] if len(parts) >= 2 else []
    return list(dict.fromkeys(p for p in sides if not p.isdigit()))


class Reader:
    """Definitions, shape claims and stated values of one document."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.defs: list[Definition] = []
        self.shapes: list[ShapeClaim] = []
        self.values: list[Values] = []  # per sentence
        self._same = None
        for i, s in enumerate(doc.sentences):
            self._scan(i, s)
        self._by_name: dict[str, list] = {}
        for d in self.defs:
            self._by_name.setdefault(d.name, []).append(d)
        self._strided = {s.section for s in doc.sentences
                         if re.search(r"stride\s*(?:of\s*|=\s*)?(?:[2-9]|two)\b", s.reading(), re.I)}

    # definitions -------------------------------------------------------------------------
    def _add(self, name: str | None, role: str, i: int, words: str, strong: bool = True,
             scope: str = ""):
        if name is None or role is None:
            return
        s = self.doc.sentences[i]
        self.defs.append(Definition(name, role, i, s.line, " ".join(words.split()), strong, scope))

    def _scan(self, i: int, s: Sentence) -> None:
        text = " ".join(s.reading().split())
        spatial = any(h.tag == "spatial" for h in kind_hits(s.heading + " . " + s.section + " . " + text))
        scope = s.section if spatial else ""
        # 1. 'M is the number of input channels', 'PxP is the image width and height'
        for m in re.finditer(r"(?P<s>(?<![\w\\])(?:\\\(\s*)?(?:\\?[A-Za-zα-ω][\w\\{}']{0,10}?(?:x[A-Za-z])?)(?:\s*\\\))?)"
                             r"\s+(?:is|are|denotes?|represents?|stands? for|means|be|=|:|as|for)\s+"
                             r"(?:the |a |an |our )?(?P<r>(?:(?!\band\s+\S{1,8}\s+(?:for|is|as|denotes)\b)[^.;,()]){3,80})", text):
            name = _sym_name(m.group("s"))
            role = _lead_role(m.group("r"))
            if name and role:
                self._add(name, role, i, m.group(0), True, scope if role == "Di" else "")
        # 1b. 'A and B are the height and width …', 'A, B and C are …': each name takes the role;
        # ', c_out the number of output channels': a list that leaves out its verb
        name_ = r"\\?[A-Za-zα-ω][\w\\{}']{0,10}"
        for m in re.finditer(r"(?<![\w\\])(?=(?P<all>(?P<ns>" + name_ + r"(?:\s*,\s*" + name_ + r")*\s+and\s+" +
                             name_ + r")\s+(?:are|be|denote|represent|stand for)\s+(?:the |a |an |our )?"
                             r"(?P<r>[^.;,()]{3,80})))", text):
            role = _lead_role(m.group("r"))
            names = [_sym_name(x) for x in re.split(r"\s*,\s*|\s+and\s+", m.group("ns"))]
            if role and all(names) and len(set(names)) == len(names):
                for name in names:
                    self._add(name, role, i, m.group("all"), True, scope if role == "Di" else "")
        for m in re.finditer(r"(?:^|[,;]\s*|\band\s+)(?:and\s+)?(?P<s>" + name_ + r")\s+(?:the|its|their)\s+(?P<r>"
                             r"(?:[\w-]+\s+){0,2}?(?:number|count|size|side|width|height|depth|multiplier)\b"
                             r"(?:(?!\band\s+\S{1,12}\s+(?:the|its|their)\b)[^.;,()]){0,80})", text):
            name, role = _sym_name(m.group("s")), _lead_role(m.group("r"))
            if name and role and m.group("s").lower() not in ("a", "an", "the", "and", "or", "is", "of"):
                self._add(name, role, i, m.group(0), True, scope if role == "Di" else "")
        # 2. 'number of input channels M', 'kernel size D_K', 'width multiplier α'
        for role, rx in _ROLE_RE:
            for m in rx.finditer(text):
                after = text[m.end():m.end() + 24]
                mm = re.match(r"(?:\s+|\s*\(\s*)(?:is |of |as |called |denoted by |denoted |\()?\s*"
                              r"(?P<s>\\?[A-Za-zα-ω][\w\\{}']{0,8})(?=[\s,.;:)]|$)", after)
                if mm:
                    name = _sym_name(mm.group("s"))
                    if name and not re.match(r"(?:is|of|as|and|or|in|the|a|an|to|by|for|with)$",
                                             mm.group("s"), re.I):
                        self._add(name, role, i, m.group(0) + after[:mm.end()], True,
                                  scope if role == "Di" else "")
        # 3. shapes: 'input of size Df x Df x M', 'N kernels of size KxKxM', 'output ... R x R x N'
        self._shapes(i, s, text, spatial, scope)
        # 4. counts: 'N filters', 'M such kernels', 'g groups', 'an m x m kernel', 'N x N image'
        for m in re.finditer(r"(?<![\w\\/*^·×-])(?P<s>\\?[A-Za-zα-ω][\w\\{}]{0,6})\s+(?:such\s+)?"
                             r"(?P<w>filters|kernels|groups|output channels|input channels)\b", text):
            name = _sym_name(m.group("s"))
            if not name or m.group("s").lower() in ("a", "the", "of", "two", "such"):
                continue
            w = m.group("w")
            role = {"groups": "g", "output channels": "N", "input channels": "M"}.get(w, "N")
            if role == "N" and self.role(name, i) == "M":
                continue  # 'M such filters': the depthwise layer's M filters
            self._add(name, role, i, m.group(0), True)
        for m in re.finditer(r"(?P<a>\\?[A-Za-z]\w{0,4})" + _X + r"(?P=a)\s+(?P<w>kernel|filter|image|input|matrix)", text):
            name = _sym_name(m.group("a"))
            if name:
                role = "Dk" if m.group("w") in ("kernel", "filter") else "Di"
                self._add(name, role, i, m.group(0), True, scope if role == "Di" else "")
        self.values.append(stated_values(text))

    def _shapes(self, i, s, text, spatial, scope):
        shape = r"(?P<shape>\(?\s*[\w\\{}]+'*(?:" + _X + r"[\w\\{}]+'*){1,2}\s*\)?|[A-Za-z0-9]+x[A-Za-z0-9]+(?:x[A-Za-z0-9]+)?)"
        pats = [
            ("input", r"\binput(?:\s+(?:data|image|feature[\s-]*map|tensor|volume|matrix))?\s+(?:of|with|is|as|having|be)?\s*(?:size|shape|dimensions?)?\s*(?:of\s+)?(?:is\s+)?:?\s*" + shape),
            ("kernel", r"\b(?:kernel|filter)s?\s+(?:is|are|be|of size|:)\s+(?:of\s+size\s+)?" + shape),
            ("filter", r"(?P<cnt>\\?[A-Za-z]\w{0,4}\s+)?(?:such\s+)?(?:filters?|kernels?)(?:/\s*kernels?)?(?:\s+used)?\s+(?:will be\s+)?(?:is\s+|are\s+|has\s+(?:a\s+)?|have\s+)?(?:be\s+)?(?:of\s+)?(?:size|shape|dimensions?)\s+(?:of\s+)?(?:will be\s+)?" + shape),
            ("filter", r"(?:filter|kernel)\s+size\s+(?:for this operation\s+)?(?:will be|is|becomes|of)\s+" + shape),
            ("output", r"\boutput(?:\s+(?:size|feature[\s-]*map|image|map|tensor|volume|shape))?\s+(?:will\s+)?(?:be\s+)?(?:is\s+)?(?:becomes\s+)?(?:of\s+)?(?:size\s+)?(?:of\s+)?" + shape),
        ]
        for what, pat in pats:
            for m in re.finditer(pat, text, re.I):
                parts = _shape(m.group("shape"))
                if not parts:
                    continue
                if what == "kernel":
                    if not parts[0].isdigit():
                        self._add(_sym_name(parts[0]), "Dk", i, m.group(0), True)
                    if len(parts) == 3 and not any(  # 'each depthwise filter is Dk x Dk x 1'
                            x.sentence == i and x.text == m.group("shape").strip() for x in self.shapes):
                        self.shapes.append(ShapeClaim(i, s.line, "filter", m.group("shape").strip(),
                                                      parts[2], m.group(0)))
                    continue
                if what == "input":
                    for side in _sides_of(parts):  # H x W x C: both H and W are the side
                        self._add(_sym_name(side), "Di", i, m.group(0), True, scope)
                    if len(parts) == 3:
                        self._add(_sym_name(parts[2]), "M", i, m.group(0), True)
                elif what == "filter":
                    if len(parts) >= 2 and not parts[0].isdigit():
                        self._add(_sym_name(parts[0]), "Dk", i, m.group(0), True)
                    cnt = (m.groupdict().get("cnt") or "").strip()
                    if cnt and _sym_name(cnt) and cnt.lower() not in ("a", "the", "of", "such"):
                        if self.role(_sym_name(cnt), i) != "M":
                            self._add(_sym_name(cnt), "N", i, m.group(0), True)
                    if len(parts) == 3:
                        self.shapes = [x for x in self.shapes if not (
                            x.sentence == i and x.text == m.group("shape").strip())]  # said once
                        self.shapes.append(ShapeClaim(i, s.line, "filter", m.group("shape").strip(),
                                                      parts[2], m.group(0)))
                elif what == "output":
                    for side in _sides_of(parts):
                        self._add(_sym_name(side), "Df", i, m.group(0), True)
                    if len(parts) == 3 and not parts[2].isdigit() and \
                            _sym_name(parts[2]) and self.role(_sym_name(parts[2]), i) is None:
                        self._add(_sym_name(parts[2]), "N", i, m.group(0), True)  # C': the output depth
                    if len(parts) == 3:
                        self.shapes.append(ShapeClaim(i, s.line, "output", m.group("shape").strip(),
                                                      parts[2], m.group(0)))

    # lookups -----------------------------------------------------------------------------
    def role(self, name: str, i: int) -> str | None:
        """The role the text gives name at sentence i: the last definition above it, else the
        first below it (a glossary after the formulas), else AUTO's reading."""
        d = self.definition(name, i)
        if d is not None:
            return d.role
        return AUTO.get(name)

    def definition(self, name: str, i: int) -> Definition | None:
        section = self.doc.sentences[i].section if i < len(self.doc.sentences) else ""
        by_name = getattr(self, "_by_name", None)
        pool = by_name.get(name, []) if by_name is not None else [d for d in self.defs if d.name == name]
        cands = [d for d in pool if not d.scope or d.scope == section]
        before = [d for d in cands if d.sentence <= i]
        if before:
            return before[-1]
        after = [d for d in cands if d.sentence > i]
        return after[0] if after else None

    def binding(self, i: int) -> dict[str, Definition]:
        """Every defined name's definition in force at sentence i."""
        cache = self.__dict__.setdefault("_binding", {})
        if i not in cache:
            cache[i] = self._binding_at(i)
        return dict(cache[i])

    def _binding_at(self, i: int) -> dict[str, Definition]:
        out: dict[str, Definition] = {}
        for name in sorted({d.name for d in self.defs}):
            d = self.definition(name, i)
            if d is not None:
                out[name] = d
        return out

    def named_values(self, i: int, text: str) -> Values:
        """Values recalled by name: 'the Table 3 layer' gets the values stated where Table 3
        was given them ('the layer in Table 3 (D_K = 3, M = N = 512, D_F = 14)')."""
        out = Values()
        for m in re.finditer(_CONFIG_NAME, text, re.I):
            key = _config_key(m.group(0))
            for j in range(0, i):
                tj = self.doc.sentences[j].reading()
                if any(_config_key(x.group(0)) == key for x in re.finditer(_CONFIG_NAME, tj, re.I)) \
                        and not self.values[j].empty():
                    out = self.values[j].merged(out)
                    break
        return out

    def same_size(self, i: int) -> str:
        """The line where the text states stride 1 with 'same' padding (then the input side is
        the output side), or '' — not in a section that states another stride."""
        if self._same is None:
            self._same = next((str(s.line) for s in self.doc.sentences
                               if re.search(_SAME_SIZE, s.reading(), re.I)), "")
        if not self._same:
            return ""
        if self.doc.sentences[i].section in self._strided:
            return ""
        return self._same

_CONFIG_NAME = r"\b(?:table|tab\.|figure|fig\.)\s*\d+\b"
_SAME_SIZE = (r"stride\s*(?:of\s*|=\s*|s\s*=\s*)?(?:1|one)\b[^.]{0,60}?(?:same|'same'|\"same\"|zero|)\s*[\s-]*padd|"
              r"(?:same|'same'|\"same\")[\s-]*padding[^.]{0,60}?stride\s*(?:of\s*|=\s*)?(?:1|one)\b|"
              r"assuming stride one and padding|output (?:has|keeps) the (?:same )?size of the input")


def _config_key(text: str) -> str:
    return re.sub(r"[\s.]+", "", text.lower()).replace("tab", "table").replace("fig", "figure") \
        .replace("tablele", "table").replace("figureure", "figure")


def _lead_role(text: str) -> str | None:
    """The role named at the start of text ('number of input channels (input depth)')."""
    t = " ".join(text.lower().split())
    for role, rx in _ROLE_RE:
        m = rx.match(t)
        if m:
            return role
    m = re.match(r"(?:spatial\s+)?(?:width and height|side|size|dimension)s?\s+of\s+(?:the|a|an)\s+"
                 r"(?:square\s+)?(input|output)", t)
    if m:
        return "Di" if m.group(1) == "input" else "Df"
    if re.match(r"(?:the\s+)?(?:image|input)\s+(?:width|height|size|side)", t):
        return "Di"
    if re.match(r"(?:the\s+)?output\s+(?:image\s+)?(?:width|height|size|side)", t):
        return "Df"
    if re.match(r"number of (?:channels|filters|kernels)\b", t):
        return "M" if "channels" in t[:20] else "N"
    if re.match(r"(?:the\s+)?(?:image size|size of the image)", t):
        return "Di"
    if re.match(r"kernel\b(?!s)", t):
        return "Dk"
    return None


# -- values ----------------------------------------------------------------------------------

_VALUE_PATS = [
    # 'm = 5', 'D_K = 3', 'M = N = 512', 'm = 3, 5, 7', '\rho = 1'
    (r"(?P<names>(?:\\?[A-Za-zα-ω][\w\\{}']{0,8}\s*=\s*)+)(?P<vals>\d+(?:\.\d+)?(?:\s*,\s*\d+(?:\.\d+)?)*(?!\s*[x×*/^]))", "assign"),
    # 'D_K * D_K is 3*3', 'Dk x Dk = 3 x 3'
    (r"(?P<a>\\?[A-Za-z][\w\\{}]{0,6})" + _X + r"(?P=a)\s+(?:is|=|of|equals?)\s+(?P<n>\d+)" + _X + r"(?P=n)\b", "square"),
]
# a count that is not the last factor of a product ('$3 \\times 3$ kernels' is a kernel size, not
# 3 kernels), with or without a space around the operator
_NOT_A_FACTOR = r"(?<![×x*·∗\d.,])(?<![×*·∗]\s)(?<!\bx\s)(?<!\bby\s)"
_ROLE_VALUES = [
    ("Dk", r"(?P<n>\d+)\s*(?:x|×|\*|∗|by|\\times)\s*(?P=n)\s*(?:\)\s*)?(?:(?:depth[\s-]*wise|point[\s-]*wise|standard|regular|conv\w*|separable|spatial)\s+)*(?:kernels?|filters?|conv\w*|depthwise|dw|layers?|ones?)\b"),
    ("Dk", r"kernel (?:size )?(?:of |is |=\s*)?(?P<n>\d+)\b(?!\s*(?:x|×))"),
    ("Dk", r"(?:kernel|filter)s?\s+(?:is|are|of size|of)\s+(?P<n>\d+)\s*(?:x|×|\*)\s*(?P=n)\b"),
    ("M", _NOT_A_FACTOR + r"(?P<n>\d[\d,]*)\s+input channels|input channels\s*(?:of|=|is)\s*(?P<n2>\d[\d,]*)"),
    ("N", _NOT_A_FACTOR + r"(?P<n>\d[\d,]*)\s+(?:output channels|filters|kernels)|output channels\s*(?:of|=|is)\s*(?P<n2>\d[\d,]*)"),
    ("MN", _NOT_A_FACTOR + r"(?P<n>\d[\d,]*)\s+channels"),
    ("Df", r"(?P<n>\d+)\s*(?:x|×|\*|by)\s*(?P=n)\s*(?:output|feature[\s-]*maps?|maps?|outputs?)\b|output (?:size |side )?(?:of |is )?(?P<n2>\d+)\s*(?:x|×)"),
    ("Di", r"(?P<n>\d+)\s*(?:x|×|\*|by)\s*(?P=n)\s*(?:\w+\s+)?(?:input|image)s?\b|(?:input|image) (?:size |side )?(?:of |is )?(?P<n2>\d+)\s*(?:x|×)"),
    ("s", r"stride (?:of |=\s*|is )?(?P<n>\d+)"),
    ("p", r"padding (?:of |=\s*|is )?(?P<n>\d+)"),
    ("g", _NOT_A_FACTOR + r"(?P<n>\d+)\s+groups"),
    ("t", r"expansion (?:factor|ratio|rate) (?:of |=\s*|is )?(?P<n>\d+)"),
    ("alpha", r"width multiplier (?:of |=\s*|is )?(?:α\s*=\s*)?(?P<n>\d?\.\d+|1)"),
]


def _num(text: str):
    from fractions import Fraction

    return Fraction(text.replace(",", ""))


def stated_values(text: str) -> Values:
    """The values a piece of text gives: 'm = 3, 5, 7', 'a 3×3 kernel', 'M = N = 512'."""
    v = _stated(text)
    return Values(dict(v.by_name), dict(v.by_role), list(v.said))


@lru_cache(maxsize=8192)
def _stated(text: str) -> Values:
    v = Values()
    text = " ".join(text.replace("\\*", "*").replace("\\_", "_").replace("\\times", "×").split())
    for pat, how in _VALUE_PATS:
        for m in re.finditer(pat, text):
            if how == "assign":
                names = [n.strip() for n in m.group("names").split("=") if n.strip()]
                vals = [_num(x) for x in re.split(r"\s*,\s*", m.group("vals"))]
                for raw in names:
                    name = _sym_name(raw)
                    if name:
                        v.by_name[name] = vals
                v.said.append(" ".join(m.group(0).split()))
            else:
                name = _sym_name(m.group("a"))
                if name:
                    v.by_name[name] = [_num(m.group("n"))]
                    v.said.append(" ".join(m.group(0).split()))
    for role, pat in _ROLE_VALUES:
        for m in re.finditer(pat, text, re.I):
            n = m.groupdict().get("n") or m.groupdict().get("n2")
            if not n:
                continue
            vals = [_num(n)]
            if role == "Dk" and vals[0] == 1:
                continue  # '1×1 convolution' names the pointwise layer, not a kernel size
            for r in (("M", "N") if role == "MN" else (role,)):
                v.by_role.setdefault(r, vals)
            v.said.append(" ".join(m.group(0).split()))
    return v


__all__ = ["ratio_pair", "Decision", "Definition", "Reader", "ShapeClaim", "Source", "Values", "decide",
           "kind_hits", "role_of_phrase", "stated_values", "SPAN"]


# -- which way a ratio is stated ---------------------------------------------------------------

_DENOMINATOR = re.compile(r"(?:divided\s+by|over|to|than|vs\.?|versus|compared\s+(?:to|with)|relative\s+to|"
                          r"against|unlike|instead\s+of|rather\s+than|from|/|(?<=[\d%)⟩])\s*of|(?:fraction|share|part|"
                          r"percentage)\s+of)\s+(?:that\s+of\s+)?"
                          r"(?:the\s+|a\s+|an\s+|one\s+)?(?:[\w-]+\s+)?$", re.I)
CHEAPER = (r"fewer|less|lesser|smaller|cheaper|lower|faster|reduc\w*|more\s+efficient|"
           r"more\s+economical|lighter")
COSTLIER = r"more|larger|bigger|greater|higher|costlier|slower|heavier|more\s+expensive|as\s+(?:much|many)"
_CMP_AFTER = re.compile(r"[\s)]*(?:times|x\b|×|-?fold)\s+(?:as\s+)?(?:(?P<cheap>" + CHEAPER + r")|(?P<dear>" +
                        COSTLIER + r"))\b", re.I)


def ratio_numerator(before: str) -> str | None:
    """The convolution a ratio claim is about ('standard' or 'separable'): the last one named
    before the claim that is not its denominator ('… divided by the separable cost', '… than a
    standard one', 'the ratio of A to B')."""
    found = None
    for h in kind_hits(before):
        side = {"standard": "standard", "separable": "separable", "depthwise": "separable",
                "spatial": "separable"}.get(h.tag)
        lead = before[max(0, h.pos - 40):h.pos]
        if side is None or _DENOMINATOR.search(lead):
            continue
        if found is not None and _SECOND.search(lead) and re.search(
                r"\b(?:between|ratio\s+of|compar\w*)\b", before[:h.pos], re.I):
            continue  # 'the ratio between A and B': B is the second term
        found = side
    return found


_SECOND = re.compile(r"\band\s+(?:the\s+|a\s+|an\s+)?(?:(?:computational\s+)?(?:cost|complexity|number\s+of\s+"
                     r"\w+)\s+of\s+(?:the\s+|a\s+|an\s+)?)?(?:[\w-]+\s+)?$", re.I)


_MEMBER_TAGS = ("standard", "depthwise", "pointwise", "separable")
_OBJECT_LEAD = re.compile(r"(?:\bthan|\bof|\btimes|\bas|\bto|\bwith|\bvs\.?|\bversus|\bover|\bagainst|\bby)\s+"
                          r"(?:that\s+of\s+)?(?:the\s+|a\s+|an\s+|one\s+)?(?:[\w-]+\s+){0,2}$", re.I)


def ratio_pair(before: str, after: str, cmp: str | None) -> tuple[str, str] | None:
    """(numerator, denominator) of a ratio claim when its sentence names the two convolutions
    compared, each one of standard, depthwise, pointwise (1×1) and separable: 'A standard
    convolution is K² times more expensive than a 1×1 convolution' is standard / pointwise,
    'a pointwise convolution is 1/K² of the cost of a standard one' pointwise / standard, 'A is
    X times cheaper than B' B / A. None when the sentence does not name two different ones
    (the claim is then read as separable against standard, see :func:`inverted`)."""
    if any(h.tag == "spatial" for h in kind_hits(before + " " + after)):
        return None
    subject = obj = None
    for h in kind_hits(before):
        if h.tag not in _MEMBER_TAGS:
            continue
        lead = before[max(0, h.pos - 40):h.pos]
        if _DENOMINATOR.search(lead) or (subject is not None and _SECOND.search(lead) and re.search(
                r"\b(?:between|ratio\s+of|compar\w*)\b", before[:h.pos], re.I)):
            obj = h.tag  # '… divided by the standard cost', 'the ratio of A to B'
            continue
        subject = h.tag
    if obj is None:
        tail = re.split(r"[;:]|,\s*(?:and|but|while|so|which)\b|\.\s", after, maxsplit=1)[0][:120]
        for h in kind_hits(tail):
            if h.tag in _MEMBER_TAGS and _OBJECT_LEAD.search(tail[:h.pos]):
                obj = h.tag
                break
    if subject is None or obj is None or subject == obj:
        return None
    return (obj, subject) if cmp == "cheap" else (subject, obj)


def comparative(after: str) -> str | None:
    """'cheap' or 'dear' when the claim is followed by 'times cheaper/fewer …' or 'times more …'."""
    m = _CMP_AFTER.match(after)
    return None if m is None else ("cheap" if m.group("cheap") else "dear")


def inverted(before: str, cmp: str | None) -> bool:
    """Whether a ratio claim states standard / separable (rather than separable / standard):
    'A is X times B' and 'A costs X of B' state A / B; 'A is X times cheaper (fewer …) than B'
    states B / A; 'A is X times more than B' states A / B. A is the convolution named before the
    claim (see :func:`ratio_numerator`); with none named, a cheaper claim is about the separable
    one and a costlier claim about the standard one."""
    num = ratio_numerator(before)
    if num is None:
        return cmp is not None
    if cmp == "cheap":
        return num == "separable"
    return num == "standard"
