"""What the routes receive: the service's parts, as one async dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from radar_runtime import parts

from ..parts import HealthParts

Health = Annotated[HealthParts, Depends(parts)]
