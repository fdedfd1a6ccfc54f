"""The one rule-file mechanism: every service's tunable rules, loaded the same way.

A service ships `defaults.toml` in its package and describes the file with a pydantic
model (its `rules.py`). A user's file names only what it changes: it is deep-merged
over the defaults (tables merge key by key; any other value, lists included, replaces
the default whole) and the result is validated by the model. Every problem is reported
at once, as `<file>: <dotted.key>: <reason>`, in one `RuleFileError`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

M = TypeVar("M", bound=BaseModel)

DEFAULTS = "defaults.toml"


@dataclass(frozen=True)
class RuleIssue:
    key: str  # dotted path in the file, e.g. scorecard.enterprise.weights.usage_trend
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}" if self.key else self.reason


class RuleFileError(ValueError):
    """A rule file that cannot be used; names the file and every problem in it."""

    def __init__(self, source: str, issues: Sequence[RuleIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(f"{source}: {issue}" for issue in self.issues))

    @classmethod
    def at(cls, source: str, key: str, reason: str) -> RuleFileError:
        return cls(source, [RuleIssue(key, reason)])


class RuleError(ValueError):
    """Raised by a model's validator to name the key a problem is about, relative to
    the validated model (a plain ValueError is reported at the model's own key)."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(reason)


def load_rules(model: type[M], package: str, path: Path | None = None) -> M:
    """`package`'s shipped defaults, or the file at `path` laid over them."""
    if path is None:
        return rules_from_mapping(model, package, {}, f"{package}/{DEFAULTS}")
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise RuleFileError.at(str(path), "", f"cannot read: {error.strerror}") from error
    return rules_from_mapping(model, package, parse_toml(text, str(path)), str(path))


def rules_from_mapping(
    model: type[M], package: str, overrides: Mapping[str, Any], source: str = "<memory>"
) -> M:
    """Settings already parsed (e.g. from TOML), laid over `package`'s defaults."""
    merged = deep_merge(shipped_defaults(package), overrides)
    try:
        return model.model_validate(merged)
    except ValidationError as error:
        raise RuleFileError(source, [_issue(detail) for detail in error.errors()]) from None


def shipped_defaults(package: str) -> dict[str, Any]:
    return _shipped(package)  # deep_merge copies what it keeps, so sharing is safe


@cache
def _shipped(package: str) -> dict[str, Any]:
    text = resources.files(package).joinpath(DEFAULTS).read_text("utf-8")
    return parse_toml(text, f"{package}/{DEFAULTS}")


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError.at(source, "", f"invalid TOML: {error}") from error


def deep_merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base value.
    Returns new tables throughout, so neither input is shared with the result."""
    merged = {key: _copy(value) for key, value in base.items()}
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = _copy(value)
    return merged


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return deep_merge(value, {})
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _issue(detail: ErrorDetails) -> RuleIssue:
    key = _dotted(detail["loc"])
    error = detail.get("ctx", {}).get("error")
    if isinstance(error, RuleError):
        key = f"{key}.{error.key}" if key and error.key else key or error.key
        return RuleIssue(key, error.reason)
    return RuleIssue(key, _reason(detail))


def _dotted(loc: Sequence[int | str]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key = f"{key}.{part}" if key else str(part)
    return key


_REASONS = {
    "missing": "required",
    "extra_forbidden": "unknown setting",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
}

_BOUNDS = {
    "greater_than_equal": ("ge", "≥"),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"),
}


def _reason(detail: ErrorDetails) -> str:
    kind, ctx = detail["type"], detail.get("ctx", {})
    if kind in _BOUNDS:
        name, symbol = _BOUNDS[kind]
        limit = ctx[name]
        shown = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"must be {symbol} {shown}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", detail["msg"]))
    if kind in ("literal_error", "enum"):
        return f"must be {ctx.get('expected')}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    return _REASONS.get(kind, detail["msg"])
