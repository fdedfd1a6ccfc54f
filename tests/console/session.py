"""A person in the console as a browser is, over HTTP: cookies kept, forms posted with
the hidden fields the page gave."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

HIDDEN = re.compile(r'name="(pre|csrf_token)" value="([^"]+)"')


def hidden(html: str, name: str) -> str:
    for found, value in HIDDEN.findall(html):
        if found == name:
            return value
    raise AssertionError(f"no hidden {name} field on the page")


@asynccontextmanager
async def signed_in(base_url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in with an API token through the sign-in form."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        page = await http.get("/sign-in")
        answer = await http.post(
            "/sign-in/token", data={"token": token, "pre": hidden(page.text, "pre"), "next": "/"}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/", answer.headers["location"]
        yield http


async def csrf_of(http: httpx.AsyncClient, path: str) -> str:
    return hidden((await http.get(path)).text, "csrf_token")
