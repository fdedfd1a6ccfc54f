"""A real OpenID Connect provider on loopback (the `oidc-provider-mock` package): it
serves discovery, JWKS, the authorization-code flow with PKCE and the token endpoint,
and signs ID tokens with a key of its own, made at each start (a restart rotates it).

Tests and the demo get tokens from it the way a browser would: register the person's
claims, authorize, exchange the code. Nothing here signs a token itself.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from .process import LOOPBACK, LocalServerError, free_port, port_accepts, terminate

REDIRECT_URI = "http://127.0.0.1/callback"


class OidcProvider:
    def __init__(self, log_path: Path, *, port: int | None = None, token_seconds: int = 3600):
        self.port = port or free_port()
        self.token_seconds = token_seconds
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 30.0) -> str:
        if port_accepts(self.port):
            raise LocalServerError(f"port {self.port} is taken; the OIDC provider needs it")
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "oidc_provider_mock",
                    "--host",
                    LOOPBACK,
                    "--port",
                    str(self.port),
                    "--token-max-age",
                    str(self.token_seconds),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LocalServerError(f"the OIDC provider exited; see {self._log_path}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration").is_success:
                    return self.issuer
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise LocalServerError(f"the OIDC provider did not answer in {timeout:.0f}s")

    def stop(self) -> None:
        if self._process is not None:
            terminate(self._process.pid, timeout=10, group=False, popen=self._process)
            self._process = None

    def restart(self) -> None:
        """Stop and start on the same port: the same issuer with a new signing key."""
        self.stop()
        deadline = time.monotonic() + 10
        while port_accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.start()

    def set_user(self, subject: str, claims: dict[str, Any]) -> None:
        """The claims (name, email, groups, ...) the provider puts in this person's tokens."""
        response = httpx.put(f"{self.issuer}/users/{quote(subject, safe='')}", json=claims)
        response.raise_for_status()

    def login(self, subject: str, *, client_id: str = "renewal-radar") -> dict[str, Any]:
        """Sign `subject` in through the authorization-code flow with PKCE, as a browser
        would; the token endpoint's answer (id_token, access_token, ...)."""
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        params = {
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        with httpx.Client(base_url=self.issuer) as http:
            authorized = http.post("/oauth2/authorize", params=params, data={"sub": subject})
            if authorized.status_code != 302:
                raise LocalServerError(f"authorization refused: {authorized.text[:200]}")
            query = parse_qs(urlsplit(authorized.headers["location"]).query)
            token = http.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": query["code"][0],
                    "redirect_uri": REDIRECT_URI,
                    "client_id": client_id,
                    "client_secret": "any",
                    "code_verifier": verifier,
                },
            )
            token.raise_for_status()
            body: dict[str, Any] = token.json()
            return body

    def id_token(self, subject: str, *, client_id: str = "renewal-radar") -> str:
        return str(self.login(subject, client_id=client_id)["id_token"])
