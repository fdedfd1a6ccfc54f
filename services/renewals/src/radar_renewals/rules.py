"""The renewals rule file: the renewal policy (`domain/policy.py`) and its version.

`defaults.toml` beside this module holds the shipped rules; a user's file names only
what it changes (the runtime's one rule-file mechanism). A calibration written by
`radar-renewals-backtest --fit` is a second rule file holding only `[calibration]`,
laid over the first.
"""

from pathlib import Path
from typing import Literal

from radar_renewals.domain.policy import RenewalPolicy
from radar_runtime.rules import RuleFileError, RuleIssue, load_rules, parse_toml

PACKAGE = "radar_renewals"
CALIBRATION_FILE_KEYS = frozenset({"version", "calibration"})


class RenewalsRules(RenewalPolicy):
    version: Literal[1]


def read_rules(path: Path | None = None, calibration_path: Path | None = None) -> RenewalsRules:
    """The shipped rules with the file at `path` laid over them, then the calibration
    at `calibration_path`; raises `RuleFileError` naming the file, key and reason."""
    rules = load_rules(RenewalsRules, PACKAGE, path)
    if calibration_path is None:
        return rules
    fitted = load_rules(RenewalsRules, PACKAGE, calibration_path)
    # Read once more for its keys: loaded over the defaults, the file's own are lost.
    keys = parse_toml(calibration_path.read_text("utf-8"), str(calibration_path))
    foreign = sorted(set(keys) - CALIBRATION_FILE_KEYS)
    if foreign:
        reason = "unknown setting: a calibration file holds only version and [calibration]"
        raise RuleFileError(str(calibration_path), [RuleIssue(key, reason) for key in foreign])
    return rules.model_copy(update={"calibration": fitted.calibration})
