"""The renewals service process."""

from __future__ import annotations

from fastapi import FastAPI

from radar_runtime import Clock, ServiceSpec, build_app, serve

from .settings import RenewalsSettings


def create_app(settings: RenewalsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or RenewalsSettings()
    spec = ServiceSpec(name="renewals")
    return build_app(spec, settings, clock=clock)


def main() -> None:
    settings = RenewalsSettings()
    serve(create_app(settings), settings)
