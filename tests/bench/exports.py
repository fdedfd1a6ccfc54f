"""Export-shaped files for `radar import`, made on the spot: the 100,000-row file of the
import benchmark, and of the test that checks such a file whole."""

from __future__ import annotations

import csv
import io

CONTRACT_COLUMNS = (
    "Id",
    "AccountId",
    "Plan__c",
    "Seats__c",
    "ARR__c",
    "CurrencyIsoCode",
    "StartDate",
    "EndDate",
    "Auto_Renew__c",
    "LastModifiedDate",
)


def contracts_csv(rows: int, *, broken_every: int = 0, modified: str = "2025-06-01") -> bytes:
    """A Salesforce contract export (subscriptions) of `rows` rows, CRLF as Salesforce
    writes them; with `broken_every`, every so many rows carry seats that are not a number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CONTRACT_COLUMNS)
    for n in range(rows):
        seats = "many" if broken_every and n % broken_every == 7 else str(10 + n % 500)
        writer.writerow(
            (
                f"800B{n:08d}",
                f"001B{n % 5000:06d}",
                "Growth",
                seats,
                f"{1000 + n % 90000}.00",
                "USD",
                "2025-01-01",
                "2025-12-31",
                "true",
                f"{modified}T12:00:00.000Z",
            )
        )
    return out.getvalue().encode("utf-8")
