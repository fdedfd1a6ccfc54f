"""The dimensions forecasts and KPIs can be sliced by."""

from typing import Literal

from radar_renewals.domain.terms import Term

GroupBy = Literal["segment", "region", "owner"]
# A term without the attribute is still counted, under this group.
UNKNOWN_GROUP = "unknown"


def group_of(term: Term, by: GroupBy | None) -> str | None:
    if by is None:
        return None
    value: str | None = getattr(term, by)
    return value or UNKNOWN_GROUP
