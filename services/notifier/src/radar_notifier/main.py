"""The notifier service process."""

from __future__ import annotations

from fastapi import FastAPI

from radar_runtime import Clock, ServiceSpec, build_app, serve

from .settings import NotifierSettings


def create_app(settings: NotifierSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    spec = ServiceSpec(name="notifier")
    return build_app(spec, settings, clock=clock)


def main() -> None:
    settings = NotifierSettings()
    serve(create_app(settings), settings)
