"""The notifier service process: consumes cs.alerts.v1, delivers to Slack and email."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Mapping
from datetime import timedelta

from fastapi import FastAPI

from radar_notifier.api import router
from radar_notifier.migrations import MIGRATIONS
from radar_notifier.projection.alerts import AlertProjector
from radar_notifier.rules import PACKAGE, NotifierRules
from radar_notifier.senders import Sender
from radar_notifier.senders.email import EmailSender, SmtpOptions
from radar_notifier.senders.slack import SlackSender, allowed_hosts, webhooks_from_environment
from radar_notifier.settings import NotifierSettings
from radar_notifier.work.delivery import DeliveryWorker
from radar_notifier.work.housekeeping import purge_job
from radar_runtime import Clock, Runtime, ServiceSpec, build_app, routes, serve
from radar_runtime.rules import RuleFileError, load_rules
from radar_schemas.topics import ALERTS, types_of

DESCRIPTION = (
    "Routes, deduplicates, groups and inhibits alerts from cs.alerts.v1 and delivers "
    "them to Slack and email with retries; acknowledge and snooze alerts; read the "
    "delivery log."
)


def create_app(
    settings: NotifierSettings | None = None,
    *,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
) -> FastAPI:
    """`environ` holds the Slack webhook URLs (default: the process environment).

    The rule file and the webhooks are validated here: a mistake stops start-up
    with a RuleFileError naming the file or variable and the reason.
    """
    settings = settings or NotifierSettings()
    rules = load_rules(NotifierRules, PACKAGE, settings.rules_path)
    hosts = allowed_hosts(
        rules.slack.allowed_webhook_hosts, allow_loopback=settings.allow_loopback_webhooks
    )
    environ = os.environ if environ is None else environ
    webhooks = webhooks_from_environment(rules.slack_channels, environ, hosts)
    senders: dict[str, Sender] = {
        "slack": SlackSender(webhooks, hosts, timeout_seconds=settings.slack_timeout_seconds),
        "email": EmailSender(_smtp_options(settings)),
    }
    runtime = Runtime(settings, clock)
    worker = DeliveryWorker(settings, rules, senders, rng=rng)
    spec = ServiceSpec(
        name="notifier",
        migrations=MIGRATIONS,
        routes=routes((types_of(ALERTS), AlertProjector(rules, worker.wake))),
        jobs=[purge_job(runtime, timedelta(days=settings.sent_retention_days))],
        workers=[worker.attach(runtime)],
        routers=[router],
    )
    app = build_app(spec, runtime, description=DESCRIPTION)
    app.state.runtime.state["wake_worker"] = worker.wake
    app.state.worker = worker
    return app


def _smtp_options(settings: NotifierSettings) -> SmtpOptions:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpOptions(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
        validate_certs=settings.smtp_validate_certs,
        timeout_seconds=settings.smtp_timeout_seconds,
        connections=settings.smtp_connections,
    )


def main() -> None:
    settings = NotifierSettings()
    try:
        app = create_app(settings)
    except RuleFileError as error:
        print(f"radar-notifier: invalid rule file\n{error}", file=sys.stderr)
        raise SystemExit(2) from None
    serve(app, settings)
