"""Every panel and table fits a narrow column and reads in JupyterLab Light and Dark.

One notebook shows each panel (nudge, step size, descent, training) and each table
and graph (``check``, ``formulas``, ``draw``). At windows 1000 px wide (a cell output
about 570 px with the file browser open) and 1400 px, in JupyterLab Light and
JupyterLab Dark, the test reads the rendered page:

- no cell output scrolls sideways, and no element pokes out past its output's right
  edge, except inside a box made to scroll by itself (class ``ade-scroll``: a long
  formula) or a graph shown at full size;
- every verdict (the nudge panel's rows, the check table's rows) lies inside its
  output, where a reader sees it;
- every text in the outputs (labels, tables, status lines, the descent ruler; not
  the pictures) has a WCAG contrast of at least 4.5:1 against the first opaque
  background behind it, from the computed styles (semi-transparent text is blended
  over that background first);
- at 1400 px no cell of the formula table scrolls inside its own box (at 1000 px a
  long formula may: the column is 570 px);
- the descent panel's table of steps (one variable, and two) scrolls neither
  sideways nor inside a box of its own, at either width;
- a graph's smallest text (the names of unlabelled nodes, in the lecture's chapter
  9 graph) is at least 8 px high: a wide graph stops shrinking and scrolls in its
  box instead; the nudge panel's graph begins right under its sliders.

A second test puts the descent panel's rate slider at the critical and the best
rate and sees the ruler's marks where the slider's handle is, at both widths.

It also runs the training panel on micrograd's (slow) graph and sees its status
line show new losses while the run goes on. With $SCREENSHOTS set, each panel is
photographed in both themes (``<panel>_light.png``, ``<panel>_dark.png``).
"""

import os

import pytest

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.environ.get("SCREENSHOTS")

CELLS = [
    "from explorer import check, draw, formulas, lecture_neuron, parse\n"
    "from widgets import descent, nudge, step_size, training\n"
    "o = lecture_neuron()",
    "nudge(o)",
    "check(o)",
    "formulas(o)",
    'draw(o, formulas="grad")',
    "step_size()",
    "descent(lr=0.1, steps=10)",
    'descent("x**2 + 10*y**2", x=-0.0123, y=1, lr=0.05, steps=40)',
    # the lecture's chapter 9 graph: wide, with the small names of unlabelled nodes
    'draw(parse("(exp(2*n) - 1) / (exp(2*n) + 1)", n=0.8813735870195432))',
    # long enough (a few seconds) that the status is seen to move whatever the load
    'training(n_samples=40, hidden=(8, 8), steps=200, graph="micrograd")',
]
NAMES = [
    None,
    "nudge",
    "check",
    "formulas",
    "draw",
    "step_size",
    "descent",
    "descent_xy",
    "draw_tanh",
    "training",
]
MIN_GRAPH_TEXT = 8  # px: the smallest text of a graph at its smallest scale

# The page's own measurements, in one round trip per output.
OVERFLOW_JS = """area => {
  const box = area.getBoundingClientRect(), bad = [];
  const name = e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
      ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '');
  if (area.scrollWidth > area.clientWidth + 1)
    bad.push(`the output scrolls: ${area.scrollWidth} > ${area.clientWidth}`);
  for (const e of area.querySelectorAll('*')) {
    if (e.closest('.ade-scroll, .ade-graph-box, .ade-style, style')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const st = getComputedStyle(e);
    if (st.visibility === 'hidden') continue;
    if (r.right > box.right + 1) bad.push(`${name(e)} ends at ${r.right} > ${box.right}`);
    if (['auto', 'scroll'].includes(st.overflowX) && e.scrollWidth > e.clientWidth + 1)
      bad.push(`${name(e)} scrolls: ${e.scrollWidth} > ${e.clientWidth}`);
  }
  return bad.slice(0, 8);
}"""

VERDICTS_JS = """area => {
  const box = area.getBoundingClientRect();
  return [...area.querySelectorAll('.ade-verdict, .ade-check-verdict')].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent.trim(), visible: r.width > 0 && r.height > 0
      && r.left >= box.left - 1 && r.right <= box.right + 1};
  });
}"""

CONTRAST_JS = """area => {
  const parse = c => {
    let m = c.match(/^rgba?\\(([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
             return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = c.match(/^color\\(srgb ([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
             return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null;
  };
  const over = (f, b) => [0, 1, 2].map(i => f[i] * f[3] + b[i] * (1 - f[3])).concat([1]);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = e => {
    const layers = [];
    for (let x = e; x; x = x.parentElement) {
      const c = parse(getComputedStyle(x).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  // every element that holds text of its own (graphs' SVG text follows the theme's
  // colours by stylesheet, and figures are pictures: both are left out)
  const own = e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  return [...area.querySelectorAll('*')]
    .filter(e => own(e) && !e.closest('svg, style, script, .ade-style, mjx-assistive-mml'))
    .filter(e => { const r = e.getBoundingClientRect(), st = getComputedStyle(e);
                   return r.width > 0 && r.height > 0 && st.visibility !== 'hidden'; })
    .map(e => {
      const bg = background(e), fg = over(parse(getComputedStyle(e).color), bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return {text: e.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05),
              color: getComputedStyle(e).color};
    });
}"""


# The descent panel's table of steps, and every box around it: none scrolls, either
# way, and the table ends inside the output.
STEPS_JS = """area => {
  const box = area.getBoundingClientRect(), bad = [];
  for (const t of area.querySelectorAll('table.ade-steps')) {
    if (t.getBoundingClientRect().right > box.right + 1)
      bad.push(`the steps table ends at ${t.getBoundingClientRect().right} > ${box.right}`);
    for (let e = t; e && e !== area; e = e.parentElement) {
      const st = getComputedStyle(e);
      if (e.scrollWidth > e.clientWidth + 1 && st.overflowX !== 'visible')
        bad.push(`${e.className || e.tagName} scrolls sideways: ${e.scrollWidth}`);
      if (e.scrollHeight > e.clientHeight + 1 && ['auto', 'scroll'].includes(st.overflowY))
        bad.push(`${e.className || e.tagName} scrolls: ${e.scrollHeight} > ${e.clientHeight}`);
    }
  }
  return bad;
}"""

# The rendered size in px of each graph's smallest text: its font size in the SVG's
# own units times the SVG's scale on the page.
GRAPH_TEXT_JS = """area => {
  let least = Infinity;
  for (const svg of area.querySelectorAll('.ade-graph svg')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text'))
      least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return least === Infinity ? null : least;
}"""

# The nudge panel: how far below its last slider its graph begins.
NUDGE_GAP_JS = """area => {
  const s = [...area.querySelectorAll('.ade-slider')].map(e => e.getBoundingClientRect().bottom);
  return area.querySelector('.ade-graph').getBoundingClientRect().top - Math.max(...s);
}"""

CELL_SCROLL_JS = """area => [...area.querySelectorAll('td .ade-scroll')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.textContent.trim().slice(0, 30)}: ${e.scrollWidth} > ${e.clientWidth}`)"""


def output(page, i):
    return page.locator(".jp-Notebook .jp-CodeCell").nth(i).locator(".jp-OutputArea-output")


def set_theme(page, theme):
    page.evaluate(
        "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
    )
    page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme)
    page.wait_for_timeout(400)  # the new stylesheet's variables reach every element


def measure(page, where):
    problems, ratios = [], []
    for i, name in enumerate(NAMES):
        if name is None:
            continue
        area = output(page, i).first
        area.scroll_into_view_if_needed()
        handle = area.element_handle()
        for bad in page.evaluate(OVERFLOW_JS, handle):
            problems.append(f"{where} {name}: {bad}")
        for v in page.evaluate(VERDICTS_JS, handle):
            if not v["visible"]:
                problems.append(f"{where} {name}: verdict {v['text']!r} is off-screen")
        for c in page.evaluate(CONTRAST_JS, handle):
            ratios.append((c["ratio"], f"{where} {name}: {c['text']!r} {c['color']}"))
            if c["ratio"] < 4.5:
                problems.append(f"{where} {name}: {c['text']!r} contrast {c['ratio']:.2f}")
        problems += [f"{where} {name}: {bad}" for bad in page.evaluate(STEPS_JS, handle)]
        least = page.evaluate(GRAPH_TEXT_JS, handle)
        if least is not None and least < MIN_GRAPH_TEXT - 0.05:
            problems.append(f"{where} {name}: a graph's text is {least:.1f} px high")
        if name == "nudge" and (gap := page.evaluate(NUDGE_GAP_JS, handle)) > 120:
            problems.append(f"{where} nudge: the graph begins {gap:.0f} px below the sliders")
        if "1400" in where and name == "formulas":
            for bad in page.evaluate(CELL_SCROLL_JS, handle):
                problems.append(f"{where} a formula cell scrolls: {bad}")
    return problems, ratios


def test_panels_fit_and_read_at_two_widths_in_both_themes(lab):
    lab.notebook("layout.ipynb", CELLS)
    page = lab.open("layout.ipynb", width=1400, height=1000)
    lab.run_all(page)
    nudge = output(page, 1)
    nudge.locator(".ade-verdict").first.wait_for()
    assert nudge.locator(".ade-verdict").count() == 5
    assert output(page, 2).locator(".ade-check-verdict").count() == 5
    for name in ("step_size", "descent", "descent_xy", "training"):
        output(page, NAMES.index(name)).locator("img").first.wait_for()

    problems, ratios = [], []
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(page, theme)
            for width in (1000, 1400):
                page.set_viewport_size({"width": width, "height": 1000})
                page.wait_for_timeout(500)
                p, r = measure(page, f"{theme} at {width} px:")
                problems += p
                ratios += r
                if SHOTS and width == 1400:
                    shoot(page, "light" if "Light" in theme else "dark")
    finally:
        set_theme(page, "JupyterLab Light")  # the server keeps it: the next test starts light
    worst = min(ratios)
    print(f"\nlowest text contrast: {worst[0]:.2f} ({worst[1]}); {len(ratios)} measured")
    assert ratios and not problems, "\n".join(problems)
    page.close()


def shoot(page, theme):
    folder = os.path.join(REPO, SHOTS)
    os.makedirs(folder, exist_ok=True)
    size = page.viewport_size
    # a window tall enough for the tallest output: JupyterLab's toolbar would cover
    # the top of one taller than the window
    page.set_viewport_size({"width": size["width"], "height": 2400})
    page.wait_for_timeout(400)
    try:
        for i, name in enumerate(NAMES):
            if name is None:
                continue
            area = output(page, i).first
            area.scroll_into_view_if_needed()
            page.wait_for_timeout(200)
            area.screenshot(path=os.path.join(folder, f"{name}_{theme}.png"))
    finally:
        page.set_viewport_size(size)


def test_training_status_moves_during_a_run(lab):
    lab.notebook("train.ipynb", CELLS[:1] + [CELLS[-1]])
    page = lab.open("train.ipynb", width=1000, height=1000)
    lab.run_all(page)
    panel = output(page, 1)
    status = panel.locator(".ade-train-status")
    status.filter(has_text="after 0 steps").wait_for()
    panel.get_by_role("button", name="Run").click()
    seen = []
    for _ in range(600):  # up to a minute, polled every 0.1 s
        text = status.inner_text()
        if not seen or seen[-1] != text:
            seen.append(text)
        if text.startswith("after 200 steps"):
            break
        page.wait_for_timeout(100)
    running = [t for t in seen if t.startswith("running")]
    assert len(set(running)) >= 2, seen  # new losses shown while it runs
    assert seen[-1].startswith("after 200 steps"), seen
    assert "200 steps in" in panel.locator(".ade-train-timing").inner_text()
    page.close()


RULER_JS = """area => {
  const h = area.querySelector('.ade-rate-slider .noUi-handle').getBoundingClientRect();
  const marks = {};
  for (const name of ['best', 'critical']) {
    const m = area.querySelector('.ade-rate-' + name);
    const r = m.getBoundingClientRect();
    marks[name] = m.dataset.side === 'left' ? r.left : r.right;
  }
  return {handle: (h.left + h.right) / 2, marks};
}"""


def test_the_rate_ruler_marks_sit_where_the_slider_goes(lab):
    """Typed at the critical rate (1/3 for the lecture's f) the slider's handle is
    at the ruler's critical mark, and at the best rate (1/6) at the best mark."""
    lab.notebook("ruler.ipynb", ["from widgets import descent", "descent(lr=0.01)"])
    page = lab.open("ruler.ipynb", width=1000, height=1000)
    lab.run_all(page)
    area = output(page, 1).first
    area.locator(".ade-rate-critical").wait_for()
    box = area.locator(".ade-rate-text input")
    seen = []
    for width in (1000, 1400):
        page.set_viewport_size({"width": width, "height": 1000})
        for name, rate in (("critical", 1 / 3), ("best", 1 / 6)):
            old = area.locator(".ade-summary").inner_text()
            box.fill(repr(rate))
            box.press("Enter")
            page.wait_for_function(
                "([e, old]) => e.querySelector('.ade-summary').textContent !== old",
                arg=[area.element_handle(), old],
            )
            # the handle glides to its place (a CSS transition): wait until it is still
            ruler = f"e => {{ const a = ({RULER_JS})(e); return [a.handle, a.marks[{name!r}]]; }}"
            last = None
            for _ in range(40):
                page.wait_for_timeout(150)
                now = page.evaluate(ruler, area.element_handle())
                if now == last:
                    break
                last = now
            at = page.evaluate(RULER_JS, area.element_handle())
            seen.append((width, name, at["handle"], at["marks"][name]))
            assert abs(at["handle"] - at["marks"][name]) <= 2.5, seen
    page.close()


def test_a_notebooks_own_figures_follow_the_theme(lab):
    """``follow_theme()``: a plain ``plt.plot`` figure is turned over in JupyterLab
    Dark (white ground to dark, dark ink to light) and left alone in Light; a figure
    of another notebook in the same JupyterLab page is left alone in both."""
    lab.notebook(
        "figure.ipynb",
        [
            "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
            "from widgets import follow_theme\nfollow_theme()",
            "plt.figure(figsize=(3, 2))\nplt.plot([0, 1], [0, 1])\nplt.show()",
        ],
    )
    page = lab.open("figure.ipynb", width=1400, height=1000)
    lab.run_all(page)
    img = output(page, 1).locator("img").first  # the output area is the .jp-RenderedImage
    img.wait_for()
    filter_of = "e => getComputedStyle(e).filter"
    other = page.evaluate_handle(
        """() => {
            const nb = document.createElement('div');
            nb.className = 'jp-Notebook';
            nb.innerHTML = '<div class="jp-RenderedImage"><img></div>';
            document.body.appendChild(nb);
            return nb.querySelector('img');
        }"""
    )  # another notebook's figure, in the same page
    try:
        assert img.evaluate(filter_of) == "none"
        set_theme(page, "JupyterLab Dark")
        assert "invert" in img.evaluate(filter_of)
        assert other.evaluate(filter_of) == "none"
    finally:
        set_theme(page, "JupyterLab Light")
    page.close()
