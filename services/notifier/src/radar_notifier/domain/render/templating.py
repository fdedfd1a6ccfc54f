"""A tiny escape-safe renderer over `string.Template`, and the packaged templates.

Every value substituted into an HTML template is escaped unless it is `Markup`,
which only this package creates, from fragments it rendered itself.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template


class Markup(str):
    """HTML that is already safe to embed."""

    __slots__ = ()


@cache
def load_template(name: str) -> Template:
    # Package data, read once; no filesystem path is ever taken from configuration.
    templates = resources.files("radar_notifier.domain.render.templates")
    return Template(templates.joinpath(name).read_text("utf-8"))


def render_html(name: str, **values: str) -> Markup:
    safe = {k: v if isinstance(v, Markup) else html.escape(v) for k, v in values.items()}
    return Markup(load_template(name).substitute(safe))


def render_text(name: str, **values: str) -> str:
    return load_template(name).substitute(values)


def join_markup(fragments: list[Markup], separator: str = "\n") -> Markup:
    return Markup(separator.join(fragments))
