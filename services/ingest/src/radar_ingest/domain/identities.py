"""What `group` and `alias` calls teach ingest about who is who, per source:

- `member`: a user (or anonymous id) belongs to an account (a group call);
- `group`: an analytics group id stands for a CRM account id (a group call whose traits
  carry `account_id`);
- `alias`: a previous (often anonymous) id is now known as another user id.

Ingest keeps these facts on a compacted topic of its own and reads them back at start;
this directory answers, for a call that names no account, which account it is about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

Kind = Literal["member", "group", "alias"]
MAX_ALIAS_HOPS = 8


@dataclass(frozen=True)
class IdentityFact:
    kind: Kind
    source: str
    id: str
    target: str  # the account of a member or group; the user id an alias stands for

    def key(self) -> bytes:
        return f"{self.kind}\n{self.source}\n{self.id}".encode()

    def value(self) -> bytes:
        return json.dumps(
            {"kind": self.kind, "source": self.source, "id": self.id, "target": self.target},
            separators=(",", ":"),
        ).encode()

    @classmethod
    def decode(cls, value: bytes) -> IdentityFact | None:
        try:
            data = json.loads(value)
            fact = cls(data["kind"], data["source"], data["id"], data["target"])
        except (ValueError, KeyError, TypeError):
            return None
        return fact if fact.kind in ("member", "group", "alias") else None


class Directory:
    """`parent`: a directory this one only adds to, e.g. the facts of one request on top
    of every stored one, learned for good once the request is stored."""

    def __init__(self, parent: Directory | None = None) -> None:
        self._own: dict[tuple[str, str, str], str] = {}
        self._parent = parent
        self.learned: list[IdentityFact] = []

    def learn(self, fact: IdentityFact) -> None:
        self._own[(fact.kind, fact.source, fact.id)] = fact.target
        if self._parent is not None:
            self.learned.append(fact)

    def __len__(self) -> int:
        return len(self._own)

    def _get(self, kind: str, source: str, id_: str) -> str | None:
        found = self._own.get((kind, source, id_))
        if found is None and self._parent is not None:
            return self._parent._get(kind, source, id_)
        return found

    def account(self, source: str, group_id: str | None, *user_ids: str | None) -> str | None:
        """The account of a call: its group (mapped to a CRM account when a group call
        said so), else the account the user, or an id it was aliased from, belongs to."""
        if group_id:
            return self._get("group", source, group_id) or group_id
        for user_id in user_ids:
            seen = 0
            while user_id and seen < MAX_ALIAS_HOPS:
                member_of = self._get("member", source, user_id)
                if member_of is not None:
                    return self._get("group", source, member_of) or member_of
                user_id = self._get("alias", source, user_id)
                seen += 1
        return None
