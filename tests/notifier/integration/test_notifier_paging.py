"""Every list pages with a cursor and says when there is more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import alert

pytestmark = pytest.mark.integration


async def read_all(notifier, path: str, field: str, **params: str) -> list[list[str]]:
    """Every page of a list, as the keys of its items."""
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await notifier.http.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item[field] for item in body[path.rsplit("/", 1)[-1]]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_alerts_and_deliveries_page_to_the_end(notifier):
    # smb alerts go to the owner only: five accounts, five owners, five emails.
    await notifier.publish(*(alert(f"acct-{n}", segment="smb", csm=f"csm{n}") for n in range(5)))
    await notifier.deliver(after=timedelta(seconds=30))

    pages = await read_all(notifier, "/v1/alerts", "account_id", limit="2")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(a for p in pages for a in p) == [f"acct-{n}" for n in range(5)]

    exact = await read_all(notifier, "/v1/alerts", "account_id", limit="5")
    assert [len(p) for p in exact] == [5]

    pages = await read_all(notifier, "/v1/deliveries", "id", limit="2", channel="email")
    ids = [i for p in pages for i in p]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5


async def test_a_cursor_not_given_out_is_refused_naming_it(notifier):
    for bad in ("nope", "W10", "WyJ4Il0", "WzEsMl0", "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5OV0"):
        for path in ("/v1/alerts", "/v1/deliveries"):
            response = await notifier.http.get(path, params={"cursor": bad})
            assert response.status_code == 422, (path, bad, response.text)
            assert response.json()["error"]["details"][0]["field"] == "query.cursor"
