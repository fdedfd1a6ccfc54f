"""The simulated CS team as the notifier's `[[people]]`: who a Slack user or an email
recipient of the local stack is, with the role that gives them rights on their
accounts (a CSM on the accounts they own, a manager on their team's). The local Slack
page presses its buttons as one of them."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

from .simulate import roster

RULES_FILE = "notifier.toml"


def demo_people() -> list[tuple[roster.Person, str]]:
    """Each person of the simulation's roster once, with their role; managers first."""
    seen: set[str] = set()
    people: list[tuple[roster.Person, str]] = []
    listed = [(m, "manager") for m in roster.MANAGERS.values()]
    listed += [(c, "csm") for team in roster.CSMS.values() for c in team]
    for person, role in listed:
        if person.email not in seen:
            seen.add(person.email)
            people.append((person, role))
    return people


def people_toml() -> str:
    entries = []
    for person, role in demo_people():
        lines = ["[[people]]", f"name = {json.dumps(person.name)}"]
        lines.append(f"email = {json.dumps(person.email)}")
        if person.slack_id:
            lines.append(f"slack_id = {json.dumps(person.slack_id)}")
        lines.append(f"role = {json.dumps(role)}")
        entries.append("\n".join(lines))
    header = "# The simulated CS team (`radar simulate`): who a Slack user or recipient is.\n"
    return header + "\n\n".join(entries) + "\n"


def ensure_demo_rules(home: Path) -> Path:
    """The local stack's rule file: the demo routing and the team, written on the first
    start; a file kept from before that names no people gets the team appended."""
    path = home / RULES_FILE
    if not path.exists():
        routing = resources.files("radar_cli").joinpath("demo-notifier.toml").read_text()
        path.write_text(routing + "\n" + people_toml())
    elif "people" not in tomllib.loads(path.read_text()):
        with path.open("a") as rules:
            rules.write("\n" + people_toml())
    return path


def slack_users() -> list[tuple[str, str]]:
    """(Slack id, name) of everyone the local Slack page may click as."""
    return [(p.slack_id, p.name) for p, _ in demo_people() if p.slack_id]
