"""Fixed vocabularies of the simulation: the CS team, names, industries, products."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    slack_id: str | None = None

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "email": self.email}
        if self.slack_id is not None:
            out["slack_id"] = self.slack_id
        return out


def person(name: str, *, slack: bool = True) -> Person:
    email = name.lower().replace(" ", ".") + "@example.com"
    # Stable, Slack-looking member ids: the same person has the same id in every run.
    slack_id = "U" + hashlib.sha256(name.encode()).hexdigest()[:8].upper() if slack else None
    return Person(name, email, slack_id)


FIRST_NAMES = (
    "Alex",
    "Bea",
    "Carlos",
    "Dmitri",
    "Elena",
    "Femi",
    "Grace",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
)
LAST_NAMES = (
    "Adler",
    "Brooks",
    "Castro",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Ortiz",
    "Park",
    "Rossi",
    "Silva",
)


def contact_person(contact_id: str, company: str) -> Person:
    """A customer's contact, named the same in every run (drawn from the id, not the
    simulation's random stream); email at the customer's own domain."""
    digest = hashlib.sha256(contact_id.encode()).digest()
    first, last = FIRST_NAMES[digest[0] % len(FIRST_NAMES)], LAST_NAMES[digest[1] % len(LAST_NAMES)]
    domain = "".join(c for c in company.lower() if c.isalnum())[:24] or "customer"
    return Person(f"{first} {last}", f"{first}.{last}@{domain}.example".lower())


MANAGERS = {
    "amer": person("Sam Okafor"),
    "emea": person("Ingrid Larsen"),
    "apac": person("Ingrid Larsen"),
}
# Per region, the first CSM carries the enterprise book.
CSMS = {
    "amer": (person("Dana Reyes"), person("Marcus Bell"), person("Olivia Chen")),
    "emea": (person("Lukas Becker"), person("Amara Diallo")),
    "apac": (person("Hiro Tanaka"), person("Priya Nair")),
}

SEGMENTS = {"smb": 0.55, "mid_market": 0.32, "enterprise": 0.13}
REGIONS = {"amer": 0.5, "emea": 0.32, "apac": 0.18}
# (median ARR, lognormal sigma, floor, ceiling): smb ~5–30k, mid ~30–150k, ent ~150k–1.5M.
ARR = {
    "smb": (12_000.0, 0.45, 4_000.0, 35_000.0),
    "mid_market": (70_000.0, 0.4, 28_000.0, 160_000.0),
    "enterprise": (380_000.0, 0.6, 150_000.0, 1_500_000.0),
}
PRICE_PER_SEAT = {
    "smb": (480.0, 720.0),
    "mid_market": (550.0, 850.0),
    "enterprise": (600.0, 1000.0),
}
PLANS = {"smb": ("Starter", "Team"), "mid_market": ("Business",), "enterprise": ("Enterprise",)}
AUTO_RENEW = {"smb": 0.35, "mid_market": 0.1, "enterprise": 0.0}
API_USERS = {"smb": 0.2, "mid_market": 0.5, "enterprise": 0.8}
# Larger customers churn less often (multiplies the drawn propensity).
PROPENSITY_FACTOR = {"smb": 1.2, "mid_market": 0.9, "enterprise": 0.6}
CURRENCY = {"amer": "USD", "emea": "EUR", "apac": "USD"}

INDUSTRIES = {
    "Software": "Software",
    "Financial Services": "Capital",
    "Healthcare": "Health",
    "Manufacturing": "Industries",
    "Retail": "Retail",
    "Logistics": "Logistics",
    "Education": "Learning",
    "Media": "Media",
    "Energy": "Energy",
    "Professional Services": "Partners",
}
NAME_WORDS = (
    "Northwind", "Blue Harbor", "Brightline", "Cedar", "Summit", "Ironwood", "Silverleaf",
    "Red Rock", "Clearwater", "Granite", "Pioneer", "Evergreen", "Lakeshore", "Crescent",
    "Maple", "Atlas", "Beacon", "Copper", "Falcon", "Juniper", "Meridian", "Orchid", "Quarry",
    "Riverbend", "Sequoia", "Tidewater", "Vantage", "Willow", "Zephyr", "Kestrel",
)  # fmt: skip
SUFFIXES = {
    "amer": (" Inc", " Corp", " LLC", ""),
    "emea": (" GmbH", " Ltd", " SA", " BV"),
    "apac": (" Pte Ltd", " Pty Ltd", " KK", ""),
}
FEATURES = (
    "reports", "dashboards", "exports", "alerts", "integrations", "automation", "sso",
    "workflows",
)  # fmt: skip
TICKET_SUBJECTS = (
    "SSO login fails for some users",
    "Export to CSV times out",
    "Dashboard is slow to load",
    "API returns 429 rate-limit errors",
    "Question about the latest invoice",
    "How do I add more users?",
    "Webhook deliveries are not arriving",
    "Report totals look wrong",
    "CRM integration stopped syncing",
    "Feature request: bulk edit",
)
NPS_COMMENTS = {
    "detractor": (
        "Too expensive for what we use",
        "Support takes days to answer",
        "Reports are too slow",
        "We are evaluating other tools",
        "Hard to get the team to adopt it",
    ),
    "passive": ("Does the job", "Good, but missing a few integrations", "Fine overall"),
    "promoter": ("Our team loves it", "Great support", "Saves us hours every week"),
}
CANCEL_REASONS = (
    "Moved to a competitor",
    "Budget cuts",
    "Low adoption",
    "Champion left; no internal owner",
    "Consolidating tools",
)
