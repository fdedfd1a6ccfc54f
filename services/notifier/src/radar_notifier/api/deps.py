"""What the routes receive: the notifier's parts, as one async dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from radar_notifier.parts import NotifierParts
from radar_runtime import parts

Notifier = Annotated[NotifierParts, Depends(parts)]
Limit = Annotated[int, Query(ge=1, le=1000)]
