"""Email over STARTTLS when configured, against an SMTP catcher that requires it."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from notifier_harness import alert, running_notifier

from radar_notifier.local import SmtpCatcher

pytestmark = pytest.mark.integration


@pytest.fixture
async def tls_catcher(tmp_path: Path) -> AsyncIterator[SmtpCatcher]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: ASYNC221 - a one-off before anything async starts
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    catcher = SmtpCatcher(tls_context=context, require_starttls=True)
    await catcher.start()
    yield catcher
    await catcher.stop()


async def test_email_goes_over_starttls_when_configured(settings, slack_sink, tls_catcher):
    # The throwaway certificate is self-signed, so it cannot be verified here.
    secure = settings.model_copy(update={"smtp_starttls": True, "smtp_validate_certs": False})
    async with running_notifier(secure, slack_sink, tls_catcher) as notifier:
        await notifier.publish(alert("acct-tls", segment="smb"))
        await notifier.deliver(after=timedelta(seconds=30))
    [message] = tls_catcher.messages
    assert message.tls


async def test_without_starttls_a_server_that_requires_it_refuses(
    settings, slack_sink, tls_catcher
):
    async with running_notifier(settings, slack_sink, tls_catcher) as notifier:
        await notifier.publish(alert("acct-plain", segment="smb"))
        await notifier.deliver(after=timedelta(seconds=30))
        [failed] = await notifier.deliveries(status="failed")
    assert failed["last_error"].startswith("smtp answered 530")
    assert tls_catcher.messages == []
