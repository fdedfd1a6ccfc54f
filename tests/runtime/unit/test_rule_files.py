"""The one rule-file loader: defaults, deep merge, one error shape."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from radar_runtime.rules import RuleError, RuleFileError, deep_merge, load_rules

DEFAULTS = """
version = 1
[timing]
grace_days = 7
windows = [120, 90, 30]
[timing.enterprise]
grace_days = 14
"""


class Timing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_days: int = Field(ge=0)
    windows: list[int]
    enterprise: dict[str, int] = {}

    @field_validator("windows")
    @classmethod
    def _descending(cls, windows: list[int]) -> list[int]:
        if windows != sorted(windows, reverse=True):
            raise RuleError("", "must be in descending order")
        if any(w > 365 for w in windows):
            raise ValueError("a window longer than a year")
        return windows


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    timing: Timing


@pytest.fixture
def package(tmp_path, monkeypatch) -> str:
    root = tmp_path / "toy_rules"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "defaults.toml").write_text(DEFAULTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "toy_rules"


def test_defaults_load_and_a_user_file_changes_only_what_it_names(package, tmp_path):
    assert load_rules(Rules, package).timing.grace_days == 7
    user = tmp_path / "mine.toml"
    user.write_text("[timing]\nwindows = [60]\n[timing.enterprise]\nlate_days = 90\n")
    rules = load_rules(Rules, package, user)
    assert rules.timing.windows == [60]  # a list replaces the default whole
    assert rules.timing.grace_days == 7  # tables merge key by key
    assert rules.timing.enterprise == {"grace_days": 14, "late_days": 90}


def test_every_problem_is_named_by_file_and_key(package, tmp_path):
    user = tmp_path / "bad.toml"
    user.write_text("[timing]\ngrace_days = -1\nwindows = [30, 90]\ntypo = 1\n")
    with pytest.raises(RuleFileError) as caught:
        load_rules(Rules, package, user)
    assert caught.value.source == str(user)
    assert {(i.key, i.reason) for i in caught.value.issues} == {
        ("timing.grace_days", "must be ≥ 0"),
        ("timing.windows", "must be in descending order"),
        ("timing.typo", "unknown setting"),
    }
    assert str(caught.value).splitlines()[0].startswith(f"{user}: timing.")
    user.write_text("[timing]\nwindows = [400]\n")
    with pytest.raises(RuleFileError, match=r"timing\.windows: a window longer than a year"):
        load_rules(Rules, package, user)


def test_unreadable_or_broken_files_are_reported_as_such(package, tmp_path):
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(Rules, package, tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[timing\n")
    with pytest.raises(RuleFileError, match="invalid TOML"):
        load_rules(Rules, package, broken)


def test_deep_merge_shares_nothing_with_its_inputs():
    base = {"a": {"b": [1, {"c": 2}]}}
    merged = deep_merge(base, {"a": {"d": 1}})
    merged["a"]["b"][1]["c"] = 99
    assert base == {"a": {"b": [1, {"c": 2}]}}
