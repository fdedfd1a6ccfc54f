"""radar_runtime: the one implementation of Renewal Radar's delivery guarantees."""

from .app import RuntimeDep, SessionDep, build_app, parts, run, serve
from .clock import Clock, ManualClock, SystemClock
from .consumer import ConsumerLoop, Handler
from .db import Database
from .periodic import Periodic
from .routing import Batch, Projector, Routes, routes
from .scheduler import Job, Scheduler
from .service import Runtime, ServiceSpec, Worker
from .settings import RuntimeSettings
from .unit_of_work import UnitOfWork

__all__ = [
    "Batch",
    "Clock",
    "ConsumerLoop",
    "Database",
    "Handler",
    "Job",
    "ManualClock",
    "Periodic",
    "Projector",
    "Routes",
    "Runtime",
    "RuntimeDep",
    "RuntimeSettings",
    "Scheduler",
    "ServiceSpec",
    "SessionDep",
    "SystemClock",
    "UnitOfWork",
    "Worker",
    "build_app",
    "parts",
    "routes",
    "run",
    "serve",
]
