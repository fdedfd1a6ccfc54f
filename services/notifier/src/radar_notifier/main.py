"""The notifier service process: consumes alert events, delivers to Slack and email."""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from datetime import timedelta

from fastapi import FastAPI

from radar_notifier import projection
from radar_notifier.api import router, signed
from radar_notifier.domain.email_links import EmailLinks
from radar_notifier.domain.render import Links
from radar_notifier.migrations import MIGRATIONS
from radar_notifier.parts import NotifierParts
from radar_notifier.rules import PACKAGE, NotifierRules
from radar_notifier.senders import Sender
from radar_notifier.senders.email import EmailSender, SmtpOptions
from radar_notifier.senders.slack import SlackSender, allowed_hosts, webhooks_from_environment
from radar_notifier.settings import NotifierSettings
from radar_notifier.work.delivery import DeliveryWorker
from radar_notifier.work.housekeeping import purge_job
from radar_runtime import Clock, Runtime, ServiceSpec, build_app, run
from radar_runtime.auth.access import Access
from radar_runtime.rules import load_rules

DESCRIPTION = (
    "Routes, deduplicates, groups and inhibits alerts from cs.alerts.v1 and delivers "
    "them to Slack and email with retries; acknowledge and snooze alerts; read the "
    "delivery log."
)


def bootstrap(
    settings: NotifierSettings,
    clock: Clock | None = None,
    *,
    rules: NotifierRules | None = None,
    environ: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
) -> NotifierParts:
    """The notifier's parts. `environ` holds the Slack webhook URLs (default: the
    process environment); `rng` draws the retry jitter.

    The rule file and the webhooks are checked here: a mistake stops start-up with a
    RuleFileError naming the file (or the environment), the key and the reason.
    """
    rules = rules or load_rules(NotifierRules, PACKAGE, settings.rules_path)
    hosts = allowed_hosts(
        rules.slack.allowed_webhook_hosts, allow_loopback=settings.allow_loopback_webhooks
    )
    webhooks = webhooks_from_environment(
        rules.slack_channels, os.environ if environ is None else environ, hosts
    )
    slack = SlackSender(webhooks, hosts, timeout_seconds=settings.slack_timeout_seconds)
    email = EmailSender(_smtp_options(settings))
    runtime = Runtime(settings, clock)
    links = _links(settings, rules)
    senders: dict[str, Sender] = {"slack": slack, "email": email}
    worker = DeliveryWorker(runtime, settings, rules, senders, links, rng)
    access = Access(settings, runtime.clock)
    return NotifierParts(settings, rules, runtime, access, slack, email, links, worker)


def _links(settings: NotifierSettings, rules: NotifierRules) -> Links:
    """What messages may carry: console links, Slack buttons, signed email links."""
    secret = settings.action_link_secret
    email = (
        EmailLinks(
            settings.public_url,
            secret.get_secret_value().encode(),
            rules.email_links.lifetime,
            rules.people,
        )
        if settings.public_url and secret is not None
        else None
    )
    return Links(
        console_url=settings.console_url,
        slack_buttons=settings.slack_signing_secret is not None,
        email=email,
    )


def spec(parts: NotifierParts) -> ServiceSpec:
    retention = timedelta(days=parts.settings.sent_retention_days)
    return ServiceSpec(
        name="notifier",
        migrations=MIGRATIONS,
        routes=projection.routes(parts),
        jobs=[purge_job(parts.runtime, retention)],
        workers=[parts.worker],
        routers=[router],
        access=parts.access,
    )


def create_app(
    settings: NotifierSettings | None = None,
    *,
    clock: Clock | None = None,
    rules: NotifierRules | None = None,
    environ: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
) -> FastAPI:
    parts = bootstrap(settings or NotifierSettings(), clock, rules=rules, environ=environ, rng=rng)
    app = build_app(
        spec(parts),
        parts.runtime,
        parts=parts,
        title="Renewal Radar notifier",
        description=DESCRIPTION,
    )
    # Authenticated by their own signatures, not by a bearer credential.
    app.include_router(signed)
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
    run(create_app, NotifierSettings())
