"""The console's pages: every module here with a `router` is served, and one with a
`NAV` entry (order, label, path) is in the layout's navigation. Adding a page is one
module here and one template in templates/ (see the service README)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from fastapi import APIRouter


def _modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    ]


MODULES = _modules()
ROUTERS: list[APIRouter] = [module.router for module in MODULES if hasattr(module, "router")]
NAV: list[tuple[int, str, str]] = sorted(module.NAV for module in MODULES if hasattr(module, "NAV"))
