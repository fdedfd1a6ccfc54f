from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from notifier_harness import RULES, Notifier, notifier_settings, running_notifier

from radar_notifier.local import SlackSink, SmtpCatcher
from radar_notifier.settings import NotifierSettings


@pytest.fixture
async def slack_sink() -> AsyncIterator[SlackSink]:
    sink = SlackSink()
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture
async def smtp_catcher() -> AsyncIterator[SmtpCatcher]:
    catcher = SmtpCatcher()
    await catcher.start()
    yield catcher
    await catcher.stop()


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "notifier.toml"
    path.write_text(RULES)
    return path


@pytest.fixture
def settings(kafka_bootstrap: str, database_url: str, rules_file: Path) -> NotifierSettings:
    return notifier_settings(kafka_bootstrap, database_url, rules_file)


@pytest.fixture
async def notifier(
    settings: NotifierSettings, slack_sink: SlackSink, smtp_catcher: SmtpCatcher
) -> AsyncIterator[Notifier]:
    async with running_notifier(settings, slack_sink, smtp_catcher) as running:
        yield running
