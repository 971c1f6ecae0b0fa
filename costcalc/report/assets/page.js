/* costcalc report: sorting, filtering, tabs, and the α / ρ sliders.
   Every number the sliders show comes from the data costcalc embedded: on the exact grid, the
   sweep's channel × spatial terms (integers, BigInt); elsewhere model --formula's closed forms,
   evaluated as exact rationals. Nothing is fetched. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var D = JSON.parse(document.getElementById("costcalc-data").textContent);
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };

  // -- exact rationals ------------------------------------------------------------------------
  function gcd(a, b) { if (a < 0n) a = -a; if (b < 0n) b = -b; while (b) { var t = a % b; a = b; b = t; } return a; }
  function Q(n, d) {
    n = BigInt(n); d = d === undefined ? 1n : BigInt(d);
    if (d < 0n) { n = -n; d = -d; }
    var g = gcd(n, d) || 1n;
    return { n: n / g, d: d / g };
  }
  var ZERO = Q(0), ONE = Q(1);
  function add(a, b) { return Q(a.n * b.d + b.n * a.d, a.d * b.d); }
  function mul(a, b) { return Q(a.n * b.n, a.d * b.d); }
  function pow(a, k) { var r = ONE; for (var i = 0; i < k; i++) r = mul(r, a); return r; }
  function cmp(a, b) { var x = a.n * b.d, y = b.n * a.d; return x < y ? -1 : x > y ? 1 : 0; }
  function num(a) { return Number(a.n) / Number(a.d); }
  var EXACT = {}; // slider stops that are not decimals (1/3, 1/12 steps of a formula's lattice)
  function dec(x) { // a decimal number (0.75) as an exact rational
    var known = EXACT[x.toFixed(12)];
    if (known) return known;
    var s = String(x), i = s.indexOf(".");
    if (s.indexOf("e") >= 0) return Q(Math.round(x * 1e6), 1000000);
    if (i < 0) return Q(s);
    var k = s.length - i - 1;
    return Q(s.replace(".", ""), 10n ** BigInt(k));
  }
  function evalTerms(terms, al, rh) {
    var mx = cmp(al, ONE) > 0 ? al : ONE, s = ZERO;
    for (var t = 0; t < terms.length; t++) {
      var c = terms[t];
      s = add(s, mul(mul(mul(Q(c[0], c[1]), pow(al, c[2])), pow(rh, c[3])), pow(mx, c[4])));
    }
    return s;
  }
  function affine(v, r) { // [An, Ad, Bn, Bd]: A·r + B
    return add(mul(Q(v[0], v[1]), Q(r)), Q(v[2], v[3]));
  }

  // -- formatting -----------------------------------------------------------------------------
  function group(n) { return BigInt(n).toLocaleString("en-US"); }
  function show(q) {
    if (q === null || q === undefined) return "—";
    if (q.d === 1n) return group(q.n);
    return num(q).toLocaleString("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  }
  function small(q) { // channels and sides: 16, or 26.88 where the formula leaves them fractional
    if (q.d === 1n) return q.n.toString();
    return String(Math.round(num(q) * 100) / 100);
  }
  var SUFFIX = [[1e18, "E"], [1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  function human(x, unit) {
    unit = unit || "";
    for (var i = 0; i < SUFFIX.length; i++) {
      if (Math.abs(x) >= SUFFIX[i][0] * 0.99995) return fmt4(x / SUFFIX[i][0]) + SUFFIX[i][1] + unit;
    }
    return fmt4(x) + unit;
  }
  function fmt4(x) { return String(Number(x.toPrecision(4))); }
  function pct(x) { return (100 * x).toFixed(2) + "%"; }
  function alphaText(a) { // 0.75 -> "0.75", 1 -> "1.00", 0.4375 -> "0.4375", 1/3 -> "0.3333"
    return Math.abs(a * 100 - Math.round(a * 100)) < 1e-9 ? a.toFixed(2) : String(+a.toFixed(4));
  }
  function alphaArg(a) { return String(+a.toFixed(4)); }

  // -- tabs -----------------------------------------------------------------------------------
  var tabs = $$('[role=tab]');
  function select(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { select(t); });
    t.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
        var n = tabs[(i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
        select(n); n.focus();
      }
    });
  });
  if (tabs.length) select(tabs[0]);

  // -- the layer table: sort, filter ----------------------------------------------------------
  var table = $("#layer-table"), tbody = table ? table.tBodies[0] : null;
  var trs = tbody ? $$("tr", tbody) : [];
  var sortKey = "i", sortDir = 1;
  function cellValue(tr, key, type) {
    var idx = colIndex[key], c = tr.children[idx];
    var v = c.getAttribute("data-v");
    if (v === null) v = c.textContent;
    if (type === "num") { var x = parseFloat(v); return isNaN(x) ? -Infinity : x; }
    return String(v);
  }
  var colIndex = {};
  if (table) {
    $$("thead th", table).forEach(function (th, i) {
      colIndex[th.getAttribute("data-key")] = i;
      var b = $("button", th);
      b.addEventListener("click", function () {
        var key = th.getAttribute("data-key");
        sortDir = sortKey === key ? -sortDir : (th.getAttribute("data-type") === "num" && key !== "i" ? -1 : 1);
        sortKey = key;
        sortRows();
      });
    });
  }
  function sortRows() {
    var th = $('thead th[data-key="' + sortKey + '"]', table), type = th.getAttribute("data-type");
    $$("thead th", table).forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
    var rows = trs.slice().sort(function (a, b) {
      var x = cellValue(a, sortKey, type), y = cellValue(b, sortKey, type);
      var c = type === "num" ? x - y : x.localeCompare(y);
      return (c || (cellValue(a, "i", "num") - cellValue(b, "i", "num"))) * (c ? sortDir : 1);
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  var filter = $("#kind-filter"), hideZero = $("#hide-zero");
  function applyFilter() {
    if (!tbody) return;
    var want = filter ? filter.value : "", shown = 0;
    trs.forEach(function (tr) {
      var zero = tr.getAttribute("data-zero") === "1";
      var on = (!want || tr.getAttribute("data-type") === want) && !(hideZero && hideZero.checked && zero);
      tr.hidden = !on;
      if (on) shown++;
      var bar = $('#depth-chart .bar[data-i="' + tr.getAttribute("data-i") + '"]');
      if (bar) bar.classList.toggle("off", !on);
    });
    var rc = $("#row-count");
    if (rc) rc.textContent = shown + " of " + trs.length + " rows";
  }
  if (filter) filter.addEventListener("change", applyFilter);
  if (hideZero) hideZero.addEventListener("change", applyFilter);

  // chart <-> table
  $$("#depth-chart .bar").forEach(function (g) {
    g.addEventListener("click", function () {
      var tr = document.getElementById("row-" + g.getAttribute("data-i"));
      if (!tr) return;
      select(tabs[0] || null);
      if (tr.hidden) { if (filter) filter.value = ""; if (hideZero) hideZero.checked = false; applyFilter(); }
      flash(tr);
      tr.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  });
  trs.forEach(function (tr) {
    var bar = $('#depth-chart .bar[data-i="' + tr.getAttribute("data-i") + '"]');
    if (!bar) return;
    tr.addEventListener("mouseenter", function () { bar.classList.add("hl"); });
    tr.addEventListener("mouseleave", function () { bar.classList.remove("hl"); });
  });
  function flash(tr) {
    $$("tr.hl").forEach(function (x) { x.classList.remove("hl"); });
    tr.classList.add("hl");
    setTimeout(function () { tr.classList.remove("hl"); }, 2500);
  }

  // -- the α / ρ sliders ----------------------------------------------------------------------
  var G = D.grid, F = D.formula, L = D.layers;
  var aIn = $("#alpha"), rIn = $("#res"), snap = $("#snap");
  var hasSliders = !!(rIn && (G || F));
  var FREE_A = [], FREE_R = [];
  if (hasSliders) {
    for (var k = 10; k <= 200; k++) FREE_A.push(k / 100);
    var w = F && F.exact_where, st = w && w.alpha_step ? w.alpha_step.split("/") : null;
    if (st) { // every α where the formula is exact is a stop too
      var p = BigInt(st[0]), q = BigInt(st[1] || "1");
      for (var j = 1n; Number(j * p) / Number(q) <= 2; j++) {
        var v = Number(j * p) / Number(q);
        if (v >= 0.1 && FREE_A.every(function (x) { return Math.abs(x - v) > 1e-9; })) {
          FREE_A.push(v); EXACT[v.toFixed(12)] = Q(j * p, q);
        }
      }
      FREE_A.sort(function (x, y) { return x - y; });
    }
    var lo = Math.max(D.min_side, 8), hi = 2 * D.default_resolution;
    for (var r = lo; r <= hi; r++) FREE_R.push(r);
    if (!G) { snap.checked = false; snap.disabled = true; }
  }
  function values(which) {
    var grid = snap && snap.checked && G;
    if (which === "a") return grid ? G.alphas : FREE_A;
    return grid ? G.resolutions : FREE_R;
  }
  function nearest(list, x) {
    var best = 0;
    for (var i = 1; i < list.length; i++) if (Math.abs(list[i] - x) < Math.abs(list[best] - x)) best = i;
    return best;
  }
  function configure(a, r) {
    var av = values("a"), rv = values("r");
    if (aIn) { aIn.min = 0; aIn.max = av.length - 1; aIn.step = 1; aIn.value = nearest(av, a); }
    rIn.min = 0; rIn.max = rv.length - 1; rIn.step = 1; rIn.value = nearest(rv, r);
  }
  function current() {
    return { a: aIn ? values("a")[+aIn.value] : D.base.alpha, r: values("r")[+rIn.value] };
  }
  function onGrid(a, r) {
    if (!G) return null;
    var ia = -1;
    for (var i = 0; i < G.alphas.length; i++) if (Math.abs(G.alphas[i] - a) < 1e-9) ia = i;
    var ir = G.resolutions.indexOf(r);
    return ia >= 0 && ir >= 0 ? [ia, ir] : null;
  }
  function formulaExact(a, r) { // the conditions of model --formula's note: nothing rounds
    var w = F.exact_where;
    if (!w || w.alpha_step === null) return false;
    var q = dec(a), st = Q.apply(null, w.alpha_step.split("/").concat(w.alpha_step.indexOf("/") < 0 ? ["1"] : []));
    var ratio = Q(q.n * st.d, q.d * st.n);
    if (ratio.d !== 1n) return false;
    if (w.alpha_min !== null) {
      var m = Q.apply(null, w.alpha_min.split("/").concat(w.alpha_min.indexOf("/") < 0 ? ["1"] : []));
      if (cmp(q, m) < 0) return false;
    }
    if ((w.alpha_except || []).some(function (x) { return Math.abs(x - a) < 1e-9; })) return false;
    return (w.resolutions || []).indexOf(r) >= 0;
  }
  function formulaCell(a, r) {
    var al = dec(a), rh = Q(r, F.R), rows = [];
    for (var i = 0; i < L.length; i++) {
      var f = F.rows[i];
      if (!f) { rows.push(null); continue; }
      var x = { macs: evalTerms(f.macs, al, rh), params: evalTerms(f.params, al, rh),
        cin: evalTerms(f.cin, al, rh), cout: evalTerms(f.cout, al, rh),
        groups: f.groups ? evalTerms(f.groups, al, rh) : null };
      x.inS = f.in_side ? f.in_side.map(function (v) { return affine(v, r); }) : null;
      x.outS = f.out_side ? f.out_side.map(function (v) { return affine(v, r); }) : null;
      rows.push(x);
    }
    var params = {};
    Object.keys(F.params).forEach(function (c) { params[c] = evalTerms(F.params[c], al, rh); });
    var peak = null, where = null;
    (D.memory.rows || []).forEach(function (i) {
      var x = rows[i]; if (!x) return;
      var v = x.cout;
      if (x.outS) v = mul(mul(v, x.outS[0]), x.outS[1]);
      if (peak === null || cmp(v, peak) > 0) { peak = v; where = i; }
    });
    var mem = peak === null ? null : { bytes: mul(peak, Q(D.memory.bytes_per)), tensor: L[where].id,
      shape: [rows[where].cout].concat(rows[where].outS || []).map(small).join("×") };
    return { exact: false, macs: evalTerms(F.macs, al, rh), params: params, rows: rows, memory: mem };
  }
  function gridCell(ia, ir) {
    var rows = L.map(function () { return null; });
    var ch = G.channels[ia], sd = G.sides[ir];
    for (var i = 0; i < L.length; i++) {
      if (!ch[i] || !sd[i]) continue;
      var s = sd[i];
      rows[i] = { macs: ZERO, params: ZERO, cin: Q(ch[i][0]), cout: Q(ch[i][1]),
        groups: ch[i][2] === "" ? null : Q(ch[i][2]),
        inS: s[0] && s[0].length ? s[0].map(function (v) { return Q(v); }) : null,
        outS: s[1] && s[1].length ? s[1].map(function (v) { return Q(v); }) : null };
    }
    ["macs", "params"].forEach(function (f) {
      var P = G.layer[f];
      P.rows.forEach(function (i, k) {
        if (rows[i]) rows[i][f] = Q(BigInt(P.A[ia][k]) * BigInt(P.S[k][ir]));
      });
    });
    var params = {};
    Object.keys(G.params).forEach(function (c) { params[c] = Q(G.params[c][ia][ir]); });
    var m = G.memory[ia][ir], t = rows[m[1]];
    return { exact: true, macs: Q(G.macs[ia][ir]), params: params, rows: rows,
      memory: { bytes: Q(m[0]), tensor: m[1] >= 0 ? L[m[1]].id : "?", shape: t ? shapeText(t.cout, t.outS) : "" },
      ia: ia, ir: ir };
  }
  function cellAt(a, r) {
    var g = onGrid(a, r);
    if (g) return gridCell(g[0], g[1]);
    return F ? formulaCell(a, r) : null;
  }

  function setText(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function setValue(id, q) {
    var el = document.getElementById(id);
    if (!el) return;
    el.textContent = show(q);
    el.setAttribute("value", q.d === 1n ? q.n.toString() : String(num(q)));
  }
  function pubsAt(a, r) {
    return D.published.filter(function (p) {
      return !p.build && Math.abs(p.alpha - a) < 1e-9 && p.resolution === r && (p.kind === "model" || p.kind === "memory");
    });
  }
  function pubList(id, list) {
    var ul = document.getElementById(id);
    if (!ul) return;
    ul.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li");
      var fig = document.createElement("span"); fig.className = "pub-fig"; fig.textContent = p.published;
      var st = document.createElement("span"); st.className = "status s-" + p.status;
      var mk = document.createElement("span"); mk.className = "mark"; mk.setAttribute("aria-hidden", "true");
      mk.textContent = { exact: "=", rounded: "≈", truncated: "⌊⌋", explained: "i", erratum: "!" }[p.status] || "?";
      st.appendChild(mk); st.appendChild(document.createTextNode(p.status));
      var src = document.createElement("span"); src.className = "pub-src"; src.textContent = p.source + ", " + p.row;
      li.appendChild(fig); li.appendChild(document.createTextNode(" ")); li.appendChild(st);
      li.appendChild(document.createTextNode(" ")); li.appendChild(src);
      ul.appendChild(li);
    });
  }
  function shapeText(c, s) {
    if (!c) return "—";
    return [c].concat(s || []).map(small).join("×");
  }
  function update(a, r, fromHash) {
    var c = cellAt(a, r);
    if (!c) return;
    var exactHere = c.exact || (F && formulaExact(a, r));
    var rhoQ = Q(r, D.default_resolution);
    var rhoText = rhoQ.d === 1n ? rhoQ.n.toString() : num(rhoQ).toFixed(3).replace(/0+$/, "");
    if (aIn) { setText("alpha-out", "α = " + alphaText(a)); aIn.setAttribute("aria-valuetext", "α = " + alphaText(a)); }
    setText("res-out", r + " px (ρ = " + rhoText + ")");
    rIn.setAttribute("aria-valuetext", r + " px");
    var cfg = (D.scales ? "α = " + alphaArg(a) + ", " : "") + r + "×" + r + " px input";
    setText("subtitle", cfg);
    var basis = c.exact ? "exact count" : (exactHere ? "formula = exact count (nothing rounds)" : "formula, not the rounded count");
    // totals
    setValue("v-macs", c.macs);
    setText("a-macs", "≈ " + human(num(c.macs)) + " · FLOPs " + human(2 * num(c.macs)));
    Object.keys(c.params).forEach(function (conv) {
      setValue("v-params." + conv, c.params[conv]);
      setText("a-params." + conv, "≈ " + human(num(c.params[conv])));
      setText("b-params." + conv, basis);
    });
    if (c.memory) {
      setValue("v-memory", c.memory.bytes);
      setText("a-memory", "≈ " + human(num(c.memory.bytes), "B"));
      setText("n-memory", "largest tensor: " + c.memory.tensor + ", " + c.memory.shape + ", " + D.memory.dtype);
      setText("b-memory", basis);
    }
    ["macs", "memory"].forEach(function (k) {
      var el = document.getElementById("b-" + k);
      if (el) { el.textContent = basis; el.classList.toggle("formula", !c.exact); }
    });
    Object.keys(c.params).forEach(function (conv) {
      var el = document.getElementById("b-params." + conv);
      if (el) el.classList.toggle("formula", !c.exact);
    });
    var here = pubsAt(a, r);
    pubList("p-macs", here.filter(function (p) { return p.measure === "macs"; }));
    Object.keys(c.params).forEach(function (conv) {
      pubList("p-params." + conv, here.filter(function (p) { return p.measure === conv; }));
    });
    pubList("p-memory", here.filter(function (p) { return p.kind === "memory"; }));
    // the basis line, and the formula beside the exact count
    var cmd = "costcalc model " + D.model + (D.scales ? " --alpha " + alphaArg(a) : "") + " --resolution " + r;
    var b = $("#basis");
    if (b) {
      b.textContent = c.exact ? "Exact count at " + cfg + ": every number below equals " + cmd + "."
        : (exactHere ? "The formula at " + cfg + ": nothing rounds here, so it is the exact count (" + cmd + ")."
          : "The formula at " + cfg + " (channel rounding ignored): not the rounded count — " + cmd
            + " gives that; tick “exact grid only” for exact stops.");
    }
    var fa = $("#formula-at");
    if (fa) {
      fa.textContent = "";
      if (c.exact && F) {
        var fv = evalTerms(F.macs, dec(a), Q(r, F.R));
        var diff = num(fv) - num(c.macs);
        fa.textContent = cmp(fv, c.macs) === 0 ? "The formula gives the same " + show(c.macs) + " MACs here: nothing rounds."
          : "The formula gives " + show(fv) + " MACs here (" + (diff > 0 ? "+" : "−") + Math.abs(100 * diff / num(c.macs)).toFixed(2)
            + "%): channel rounding departs from c·α.";
      }
    }
    var ex = $("#extra");
    if (ex) {
      ex.textContent = "";
      if (c.exact) {
        var more = G.extra.alpha[c.ia].concat(G.extra.resolution[c.ir]);
        var gone = c.rows.map(function (x, i) { return x ? null : L[i].id; }).filter(Boolean);
        if (more.length) ex.textContent = "Here the network also has " + more.join(", ") + " (no MACs, not in the table).";
        if (gone.length) ex.textContent += (ex.textContent ? " " : "") + "It lacks " + gone.join(", ") + " here.";
      }
    }
    // the table and the chart
    var tm = num(c.macs) || 1, tp = 0;
    c.rows.forEach(function (x) { if (x) tp += num(x.params); });
    tp = tp || 1;
    var maxM = 0, maxP = 0;
    c.rows.forEach(function (x) { if (x) { maxM = Math.max(maxM, num(x.macs)); maxP = Math.max(maxP, num(x.params)); } });
    trs.forEach(function (tr) {
      var i = +tr.getAttribute("data-i"), x = c.rows[i], cells = {};
      $$("[data-f]", tr).forEach(function (td) { cells[td.getAttribute("data-f")] = td; });
      tr.classList.toggle("absent", !x);
      var m = x ? num(x.macs) : 0, p = x ? num(x.params) : 0;
      cells.macs.textContent = x ? show(x.macs) : "—"; cells.macs.setAttribute("data-v", m);
      cells.params.textContent = x ? show(x.params) : "—"; cells.params.setAttribute("data-v", p);
      setShare(cells.macs_share, m / tm);
      setShare(cells.params_share, p / tp);
      if (L[i].d[1] === 1) {
        cells.out.textContent = x ? small(x.cout) : "—";
      } else {
        cells.out.textContent = x ? shapeText(x.cout, x.outS) : "—";
      }
      cells["in"].textContent = x ? (L[i].d[0] === 1 ? small(x.cin) : shapeText(x.cin, x.inS)) : "—";
      if (cells.groups && x && x.groups) cells.groups.textContent = small(x.groups);
      tr.setAttribute("data-zero", m || p ? "0" : "1");
    });
    var up = 166 - 22 - 4, down = 300 - 166 - 16;
    $$("#depth-chart .bar").forEach(function (g) {
      var i = +g.getAttribute("data-i"), x = c.rows[i];
      var m = x ? num(x.macs) : 0, p = x ? num(x.params) : 0;
      var hm = maxM ? up * m / maxM : 0, hp = maxP ? down * p / maxP : 0;
      var rm = $("rect.m", g), rp = $("rect.p", g);
      rm.setAttribute("y", (166 - hm).toFixed(2)); rm.setAttribute("height", hm.toFixed(2));
      rp.setAttribute("height", hp.toFixed(2));
      $("title", g).textContent = L[i].id + " · " + L[i].type + " · " + (x ? show(x.macs) : "—") + " MACs · "
        + (x ? show(x.params) : "—") + " params" + (c.exact ? "" : " (formula)");
    });
    setText("ax-macs", human(maxM));
    setText("ax-params", human(maxP));
    typeTable(c);
    if (sortKey !== "i") sortRows();
    applyFilter();
    if (!fromHash) {
      var h = "#alpha=" + alphaArg(a) + "&resolution=" + r;
      if (location.hash !== h) history.replaceState(null, "", h);
    }
    document.body.setAttribute("data-cell", (c.exact ? "exact" : exactHere ? "formula-exact" : "formula"));
  }
  function setShare(td, v) {
    if (!td) return;
    td.setAttribute("data-v", v.toPrecision(6));
    $(".bar", td).style.width = (100 * v).toFixed(3) + "%";
    $(".pct", td).textContent = pct(v);
  }
  function typeTable(c) {
    var tb = $("#type-table tbody");
    if (!tb) return;
    var by = {}, order = [], tm = ZERO, tp = ZERO;
    L.forEach(function (l, i) {
      var x = c.rows[i];
      if (!x || l.cls === "other") return;
      if (!by[l.type]) { by[l.type] = { macs: ZERO, params: ZERO, cls: l.cls }; order.push(l.type); }
      by[l.type].macs = add(by[l.type].macs, x.macs); by[l.type].params = add(by[l.type].params, x.params);
      tm = add(tm, x.macs); tp = add(tp, x.params);
    });
    var rows = {};
    $$("tr", tb).forEach(function (tr) { rows[tr.getAttribute("data-type")] = tr; });
    order.sort(function (x, y) { return num(by[y].macs) - num(by[x].macs); });
    order.forEach(function (t) {
      var tr = rows[t];
      if (!tr) return;
      var cells = {};
      $$("[data-f]", tr).forEach(function (td) { cells[td.getAttribute("data-f")] = td; });
      cells.macs.textContent = show(by[t].macs);
      cells.params.textContent = show(by[t].params);
      setShare(cells.macs_share, num(by[t].macs) / (num(tm) || 1));
      setShare(cells.params_share, num(by[t].params) / (num(tp) || 1));
      tb.appendChild(tr);
    });
    var base = c.exact && G.alphas[c.ia] === D.base.alpha && G.resolutions[c.ir] === D.base.resolution;
    $$("td.paper", tb).forEach(function (td) { td.style.visibility = base ? "" : "hidden"; });
  }

  function readHash() {
    var h = location.hash.replace(/^#/, ""), out = {};
    h.split("&").forEach(function (kv) {
      var p = kv.split("=");
      if (p.length === 2) out[decodeURIComponent(p[0])] = decodeURIComponent(p[1]);
    });
    var a = out.alpha !== undefined ? parseFloat(out.alpha) : NaN;
    var r = out.resolution !== undefined ? parseInt(out.resolution, 10) : (out.rho !== undefined ? Math.round(parseFloat(out.rho) * D.default_resolution) : NaN);
    return { a: isNaN(a) || !D.scales ? D.base.alpha : a, r: isNaN(r) ? D.base.resolution : r, given: !isNaN(a) || !isNaN(r) };
  }
  function go(a, r, fromHash) {
    if (G && snap && snap.checked && !onGrid(a, r)) snap.checked = false;
    configure(a, r);
    var cur = current();
    update(cur.a, cur.r, fromHash);
  }
  if (hasSliders) {
    var h0 = readHash();
    go(h0.a, h0.r, true);
    var onMove = function () { var cur = current(); update(cur.a, cur.r, false); };
    if (aIn) aIn.addEventListener("input", onMove);
    rIn.addEventListener("input", onMove);
    snap.addEventListener("change", function () { var cur = current(); configure(cur.a, cur.r); onMove(); });
    $("#reset").addEventListener("click", function () { if (G) snap.checked = true; go(D.base.alpha, D.base.resolution, false); });
    window.addEventListener("hashchange", function () { var h = readHash(); go(h.a, h.r, true); });
    $$("button.go").forEach(function (b) {
      b.addEventListener("click", function () {
        if (G) snap.checked = true;
        go(parseFloat(b.getAttribute("data-alpha")), parseInt(b.getAttribute("data-res"), 10), false);
        $("#totals").scrollIntoView({ behavior: "smooth" });
      });
    });
  } else {
    trs.forEach(function (tr) {
      var z = +(tr.children[colIndex.macs] || {}).getAttribute("data-v") === 0 && +(tr.children[colIndex.params] || {}).getAttribute("data-v") === 0;
      tr.setAttribute("data-zero", z ? "1" : "0");
    });
    applyFilter();
  }
  document.body.setAttribute("data-ready", "1");
})();
