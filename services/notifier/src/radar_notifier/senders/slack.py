"""Slack incoming webhooks through slack_sdk's async client, sharing one aiohttp session.

The client's own retry handlers are switched off: a 429's Retry-After and every
other retry are scheduled on the persisted delivery instead (domain.retry), so
they survive a restart, use the injected clock and never hold up other sends.

Webhook URLs are secrets: they come from the environment only
(RADAR_NOTIFIER_SLACK_WEBHOOK_<CHANNEL>), and only to hosts the rule file allows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from radar_notifier.domain.channels import slack_webhook_env_var
from radar_notifier.domain.retry import Outcome, classify_http_status
from radar_notifier.senders.base import Outgoing, SendResult
from radar_runtime.rules import RuleFileError, RuleIssue

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(configured: Sequence[str], *, allow_loopback: bool) -> tuple[str, ...]:
    return (*configured, *LOOPBACK_HOSTS) if allow_loopback else tuple(configured)


def webhooks_from_environment(
    channels: Sequence[str], environ: Mapping[str, str], hosts: Sequence[str]
) -> dict[str, str]:
    """Map each Slack channel to its webhook URL from `environ`.

    Every missing or disallowed URL is reported at once, naming the variable but
    never echoing its value (it is a secret).
    """
    urls: dict[str, str] = {}
    issues: list[RuleIssue] = []
    for channel in channels:
        env_var = slack_webhook_env_var(channel)
        url = environ.get(env_var, "").strip()
        problem = (
            f"missing: set it to the incoming-webhook URL of slack channel {channel!r}"
            if not url
            else webhook_url_problem(url, hosts)
        )
        if problem:
            issues.append(RuleIssue(env_var, problem))
        else:
            urls[channel] = url
    if issues:
        raise RuleFileError("environment", issues)
    return urls


def webhook_url_problem(url: str, hosts: Sequence[str]) -> str | None:
    """Why `url` must not receive alerts, or None when it may.

    HTTPS to an allowed host only; plain HTTP is accepted for loopback hosts so tests
    can run a local stand-in for Slack (which still has to be an allowed host).
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return "not a valid URL"
    if parts.username or parts.password:
        return "must not carry credentials in the URL"
    if host not in {h.lower() for h in hosts}:
        return f"host {host or '(none)'!r} is not in slack.allowed_webhook_hosts"
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        return "must use https"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SlackSender:
    def __init__(
        self, webhooks: Mapping[str, str], allowed: Sequence[str], *, timeout_seconds: float
    ) -> None:
        # Checked again here, not only at start-up: nothing reaches the network
        # unless its host is allowed.
        for channel, url in webhooks.items():
            problem = webhook_url_problem(url, allowed)
            if problem:
                raise ValueError(f"webhook of slack channel {channel!r}: {problem}")
        self._webhooks = dict(webhooks)
        self._allowed = tuple(allowed)
        self._timeout = timeout_seconds
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebhookClient] = {}

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            connector=aiohttp.TCPConnector(limit=64),
        )
        self._clients = {
            channel: AsyncWebhookClient(
                url, session=self._session, timeout=int(self._timeout) or 1, retry_handlers=[]
            )
            for channel, url in self._webhooks.items()
        }

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, message: Outgoing) -> SendResult:
        client = self._clients.get(message.recipient)
        if client is None:
            return SendResult(
                Outcome.PERMANENT_FAILURE, f"no webhook configured for slack:{message.recipient}"
            )
        return await _post(client, message.payload)

    async def respond(self, response_url: str, body: dict[str, Any]) -> SendResult:
        """Post to an interaction's `response_url`: update the message a button was
        on, or answer its user alone. Only to the hosts webhooks may point at."""
        problem = webhook_url_problem(response_url, self._allowed)
        if problem:
            return SendResult(Outcome.PERMANENT_FAILURE, f"response_url {problem}")
        client = AsyncWebhookClient(
            response_url, session=self._session, timeout=int(self._timeout) or 1, retry_handlers=[]
        )
        return await _post(client, body)


async def _post(client: AsyncWebhookClient, body: dict[str, Any]) -> SendResult:
    try:
        response = await client.send_dict(body)
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return SendResult(Outcome.RETRY, f"slack webhook unreachable: {_describe(error)}")
    outcome = classify_http_status(response.status_code)
    if outcome is Outcome.DELIVERED:
        return SendResult.delivered()
    answer = (response.body or "").strip()[:200]
    return SendResult(
        outcome,
        f"slack answered {response.status_code}: {answer or '(empty body)'}",
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)
