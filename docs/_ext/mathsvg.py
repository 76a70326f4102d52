"""Math for the HTML docs as SVG images drawn at build time by matplotlib's mathtext.

Sphinx's default renderer, MathJax, is a script from a CDN: without a network,
``:math:`x^3``` shows as its source.  This renderer draws each ``:math:`` role
and ``.. math::`` directive once, with matplotlib (already a docs dependency),
into ``_images/math/<hash>.svg``, the glyphs as paths, and points an ``<img>``
at it: the built HTML needs no script, no font and no network.

mathtext is a subset of TeX (no ``align`` environments, no ``\\\\`` line
breaks): what it cannot parse is a build warning at the formula's source
(``-W`` makes it an error), not raw TeX left silently in a page.  A ``.. math::``
block may hold several formulas separated by blank lines, one image each, its
fractions in display style (``\\frac`` drawn as ``\\dfrac``).

Settings (conf.py): ``mathsvg_fontset`` (mathtext's font set, default
``"cm"``, Computer Modern), ``mathsvg_color`` (default alabaster's text colour)
and ``mathsvg_fontsize`` (the points the SVG is drawn at; the image is sized
in ``em``, so it follows the surrounding text's size whatever this is).
Enable it with ``extensions += ["mathsvg"]`` and ``html_math_renderer =
"mathsvg"``.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

_DISPLAY_FRAC = re.compile(r"\\frac(?![A-Za-z])")
_DPI = 720  # mathtext's layout is in whole units of 1/dpi inch: 1/10 pt at 720


class _Drawn:
    """One formula drawn: the SVG's name and its width, height and depth (below the baseline) in em."""

    def __init__(self, name: str, width: float, height: float, depth: float) -> None:
        self.name, self.width, self.height, self.depth = name, width, height, depth


def _draw(latex: str, outdir: str, fontset: str, color: str, size: float) -> _Drawn:
    """latex drawn into outdir/<hash>.svg (kept if there already); ValueError if mathtext cannot parse it."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    if not latex.strip():
        raise ValueError("an empty formula")
    text = f"${latex.strip()}$"
    prop = FontProperties(size=size, math_fontfamily=fontset)
    width, height, depth, _glyphs, _rects = MathTextParser("path").parse(text, dpi=_DPI, prop=prop)
    em = size * _DPI / 72  # one em in the parser's units
    key = "\0".join([text, fontset, color, repr(size), matplotlib.__version__])
    name = hashlib.sha1(key.encode()).hexdigest()[:16] + ".svg"
    path = os.path.join(outdir, name)
    if not os.path.exists(path):
        os.makedirs(outdir, exist_ok=True)
        with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "fdgrad-docs"}):
            figure = Figure(figsize=(width / _DPI, height / _DPI))
            figure.patch.set_alpha(0.0)
            figure.text(0, depth / height, text, fontproperties=prop, color=color)
            figure.savefig(path, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
    return _Drawn(name, width / em, height / em, depth / em)


def _image(translator: Any, node: nodes.Element, latex: str, css: str) -> str:
    """An <img> of latex for translator's page, or (after a warning) the source in a <span>."""
    builder = translator.builder
    config = builder.config
    try:
        drawn = _draw(latex, os.path.join(builder.outdir, builder.imagedir, "math"), config.mathsvg_fontset,
                      config.mathsvg_color, config.mathsvg_fontsize)
    except ValueError as exc:
        logger.warning("mathsvg: matplotlib's mathtext (a subset of TeX) cannot draw %r: %s", latex,
                       " ".join(str(exc).split()), location=node)
        return f'<span class="math mathsvg-failed">{html.escape(latex)}</span>'
    src = f"{translator.builder.imgpath}/math/{drawn.name}"
    style = f"width: {drawn.width:.3f}em; height: {drawn.height:.3f}em"
    if css == "math":
        style += f"; vertical-align: {-drawn.depth:.3f}em"
    return (f'<img class="{css}" src="{html.escape(src)}" alt="{html.escape(latex.strip())}" '
            f'style="{style}"/>')


def visit_math(translator: Any, node: nodes.math) -> None:
    translator.body.append(_image(translator, node, node.astext(), "math"))
    raise nodes.SkipNode


def visit_math_block(translator: Any, node: nodes.math_block) -> None:
    # (mathtext has no \displaystyle: a displayed formula's fractions are drawn as \dfrac)
    formulas = [_DISPLAY_FRAC.sub(r"\\dfrac", part) for part in node.astext().split("\n\n") if part.strip()]
    translator.body.append(translator.starttag(node, "div", CLASS="math mathsvg-block"))
    if node.get("number"):
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, _("Link to this equation"))
        translator.body.append("</span>")
    for formula in formulas:
        translator.body.append(f"<p>{_image(translator, node, formula, 'math-display')}</p>")
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_config_value("mathsvg_fontset", "cm", "html", str)
    app.add_config_value("mathsvg_color", "#3e4349", "html", str)
    app.add_config_value("mathsvg_fontsize", 12.0, "html", float)
    app.add_html_math_renderer("mathsvg", inline_renderers=(visit_math, None),
                               block_renderers=(visit_math_block, None))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
