"""SVG text building blocks: escaped elements, the document shell, axis numbers.

Strings only, no external fonts, scripts or images, so a chart can be inlined in an
email or an HTML report as is.
"""

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH = 720
HEIGHT = 420
FONT = 'font-family="system-ui, sans-serif"'


def element(name: str, content: str = "", **attributes: object) -> str:
    """An element; `data_x` becomes `data-x`, `class_` becomes `class`.

    `content` is markup: escape text with `text()` / `tooltip()` or `escape()` first.
    """
    attrs = "".join(
        f" {key.rstrip('_').replace('_', '-')}={quoteattr(_attr(value))}"
        for key, value in attributes.items()
        if value is not None
    )
    if not content:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{content}</{name}>"


def text(x: float, y: float, content: str, **attributes: object) -> str:
    return element("text", escape(content), x=x, y=y, **attributes)


def tooltip(content: str) -> str:
    return element("title", escape(content))


def document(title: str, description: str, body: Sequence[str]) -> str:
    """A standalone SVG whose accessible name is its <title>."""
    heading = text(WIDTH / 2, 24, title, text_anchor="middle", font_size=16, font_weight="bold")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" {FONT} font-size="12">'
        f"{tooltip(title)}{element('desc', escape(description))}"
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f"{heading}{''.join(body)}</svg>"
    )


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """0 and round steps (1, 2, 2.5 or 5 × 10^k) reaching at least `maximum`."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw_step = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def compact(value: float) -> str:
    """Axis numbers: 1500 → '1.5k', 2000000 → '2M'."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}".removesuffix(".0") + suffix
    return f"{value:.1f}".removesuffix(".0")


def _attr(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)
