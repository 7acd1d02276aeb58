"""A notebook's own matplotlib figures follow JupyterLab's theme, as the panels do.

The panels draw dark ink on a transparent background and a stylesheet turns the
picture over in a dark theme (``widgets._common``). A notebook's ``plt.plot(...)``
figures are inline PNGs (``.jp-RenderedImage``) drawn on white: in JupyterLab Dark
they stayed white boxes. ``follow_theme()`` displays, once, the same stylesheet rule
for those images: in a dark theme they are inverted and their hues turned back
(``invert(0.88) hue-rotate(180deg)``), so white becomes the page's dark grey, black
ink becomes light and a blue line stays blue. Nothing in matplotlib or IPython is
changed: the rule lives in the notebook's output and goes with it, and it reaches
only the figures of the notebook that shows it.
"""

import ipywidgets as W

from widgets._common import DARK

# only in the notebook that shows the rule (``:has``): another notebook open beside
# it in the same JupyterLab keeps its figures as they are
FIGURE_CSS = (
    f"{DARK} .jp-Notebook:has(.ade-figure-theme) .jp-RenderedImage img "
    "{ filter: invert(0.88) hue-rotate(180deg); }"
)


def follow_theme():
    """Display the stylesheet that turns this notebook's inline figures over in a
    dark theme (an invisible widget: the rule holds while its output is shown)."""
    from IPython.display import display

    w = W.HTML(f"<style>{FIGURE_CSS}</style>", layout=W.Layout(height="0px", margin="0px"))
    w.add_class("ade-figure-theme")
    display(w)
