"""Numbers as people read them in explanations, alerts and Slack messages."""

import math

MINUS = "−"  # typographic minus: "−31 %" reads better than "-31 %" in a message


def number(value: float) -> str:
    """412 / 1,250 / 7.5: whole numbers without decimals, others with one."""
    rounded = round(float(value), 1)
    if rounded.is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:,.1f}"


def percent(value: float) -> str:
    """A share as a whole percentage: 70 %."""
    if not math.isfinite(value):
        return "∞ %"
    return f"{round(value)} %"


def signed_percent(value: float) -> str:
    """A change as a whole percentage with its sign: +12 %, −31 %, 0 %."""
    if not math.isfinite(value):
        return "+∞ %" if value > 0 else f"{MINUS}∞ %"
    rounded = round(value)
    if rounded > 0:
        return f"+{rounded} %"
    if rounded < 0:
        return f"{MINUS}{-rounded} %"
    return "0 %"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """1 ticket / 3 tickets."""
    word = noun if count == 1 else (plural_noun or f"{noun}s")
    return f"{count:,} {word}"
