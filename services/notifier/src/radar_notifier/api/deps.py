"""What the routes receive: the notifier's parts, as one async dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from radar_runtime import RuntimeDep

Limit = Annotated[int, Query(ge=1, le=1000)]
Notifier = RuntimeDep
