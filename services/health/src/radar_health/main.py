"""The health service process."""

from __future__ import annotations

from fastapi import FastAPI

from radar_runtime import Clock, ServiceSpec, build_app, serve

from .settings import HealthSettings


def create_app(settings: HealthSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or HealthSettings()
    spec = ServiceSpec(name="health")
    return build_app(spec, settings, clock=clock)


def main() -> None:
    settings = HealthSettings()
    serve(create_app(settings), settings)
