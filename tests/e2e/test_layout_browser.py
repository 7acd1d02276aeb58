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
- every piece of status text (class ``ade-status``) has a WCAG contrast of at least
  4.5:1 against the first opaque background behind it, from the computed styles
  (semi-transparent text is blended over that background first).

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
    "from explorer import check, draw, formulas, lecture_neuron\n"
    "from widgets import descent, nudge, step_size, training\n"
    "o = lecture_neuron()",
    "nudge(o)",
    "check(o)",
    "formulas(o)",
    'draw(o, formulas="grad")',
    "step_size()",
    "descent(lr=0.1, steps=10)",
    # long enough (a few seconds) that the status is seen to move whatever the load
    'training(n_samples=40, hidden=(8, 8), steps=200, graph="micrograd")',
]
NAMES = [None, "nudge", "check", "formulas", "draw", "step_size", "descent", "training"]

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
  return [...area.querySelectorAll('.ade-status')].filter(e => e.textContent.trim())
    .map(e => {
      const bg = background(e), fg = over(parse(getComputedStyle(e).color), bg);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return {text: e.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05),
              color: getComputedStyle(e).color};
    });
}"""


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
    return problems, ratios


def test_panels_fit_and_read_at_two_widths_in_both_themes(lab):
    lab.notebook("layout.ipynb", CELLS)
    page = lab.open("layout.ipynb", width=1400, height=1000)
    lab.run_all(page)
    nudge = output(page, 1)
    nudge.locator(".ade-verdict").first.wait_for()
    assert nudge.locator(".ade-verdict").count() == 5
    assert output(page, 2).locator(".ade-check-verdict").count() == 5
    for i in (5, 6, 7):
        output(page, i).locator("img").first.wait_for()

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
    print(f"\nlowest status contrast: {worst[0]:.2f} ({worst[1]}); {len(ratios)} measured")
    assert ratios and not problems, "\n".join(problems)
    page.close()


def shoot(page, theme):
    folder = os.path.join(REPO, SHOTS)
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(NAMES):
        if name is None:
            continue
        area = output(page, i).first
        area.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        area.screenshot(path=os.path.join(folder, f"{name}_{theme}.png"))


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
