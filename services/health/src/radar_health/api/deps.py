"""What the routes receive: the service's parts, as one async dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from radar_runtime import parts
from radar_runtime.auth.http import requires
from radar_runtime.auth.roles import Principal, Role

from ..parts import HealthParts

Health = Annotated[HealthParts, Depends(parts)]
# Overriding health needs at least the csm role (and the right to the account).
Actor = Annotated[Principal, requires(Role.CSM)]
