"""Which column of an export holds which field, per kind of record.

Built in: the headers of Salesforce exports (Data Loader's API names; custom fields end
in `__c`) and HubSpot exports (its column labels). Anything else: a TOML file naming the
columns, optionally on top of a built-in mapping:

    extends = "salesforce"          # optional
    system = "netsuite"             # names the source in event ids (default: file name)

    [subscriptions]
    subscription_id = "Contract Number"
    arr = "Annual Value"

Every kind needs the record's id, its account and `modified_at` (when the record last
changed: the event's time, and with the id what makes its event id).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

KINDS = ("accounts", "subscriptions", "opportunities", "contacts", "tickets")

# The fields each kind reads; the first is the record's id. Optional ones may be absent.
FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": (
        "account_id",
        "modified_at",
        "name",
        "segment",
        "region",
        "industry",
        "owner_name",
        "owner_email",
        "owner_slack_id",
        "manager_name",
        "manager_email",
    ),
    "subscriptions": (
        "subscription_id",
        "account_id",
        "modified_at",
        "plan",
        "seats",
        "arr",
        "currency",
        "start_date",
        "end_date",
        "auto_renew",
    ),
    "opportunities": (
        "opportunity_id",
        "account_id",
        "modified_at",
        "subscription_id",
        "stage",
        "forecast_category",
        "close_date",
        "amount",
    ),
    "contacts": (
        "contact_id",
        "account_id",
        "modified_at",
        "role",
        "name",
        "email",
        "left",
    ),
    "tickets": (
        "ticket_id",
        "account_id",
        "modified_at",
        "priority",
        "status",
        "escalated",
        "subject",
        "closed",
    ),
}
OPTIONAL = frozenset(
    {"owner_slack_id", "manager_name", "manager_email", "name", "email", "left", "escalated"}
    | {"subject", "closed"}
)

SALESFORCE: dict[str, dict[str, str]] = {
    "accounts": {
        "account_id": "Id",
        "modified_at": "LastModifiedDate",
        "name": "Name",
        "segment": "Segment__c",
        "region": "Region__c",
        "industry": "Industry",
        "owner_name": "Owner.Name",
        "owner_email": "Owner.Email",
        "owner_slack_id": "Owner.Slack_ID__c",
        "manager_name": "Owner.Manager.Name",
        "manager_email": "Owner.Manager.Email",
    },
    "subscriptions": {  # Contract
        "subscription_id": "Id",
        "account_id": "AccountId",
        "modified_at": "LastModifiedDate",
        "plan": "Plan__c",
        "seats": "Seats__c",
        "arr": "ARR__c",
        "currency": "CurrencyIsoCode",
        "start_date": "StartDate",
        "end_date": "EndDate",
        "auto_renew": "Auto_Renew__c",
    },
    "opportunities": {
        "opportunity_id": "Id",
        "account_id": "AccountId",
        "modified_at": "LastModifiedDate",
        "subscription_id": "ContractId",
        "stage": "StageName",
        "forecast_category": "ForecastCategoryName",
        "close_date": "CloseDate",
        "amount": "Amount",
    },
    "contacts": {
        "contact_id": "Id",
        "account_id": "AccountId",
        "modified_at": "LastModifiedDate",
        "role": "Role__c",
        "name": "Name",
        "email": "Email",
        "left": "Left_Company__c",
    },
    "tickets": {  # Case
        "ticket_id": "CaseNumber",
        "account_id": "AccountId",
        "modified_at": "LastModifiedDate",
        "priority": "Priority",
        "status": "Status",
        "escalated": "IsEscalated",
        "subject": "Subject",
        "closed": "IsClosed",
    },
}

HUBSPOT: dict[str, dict[str, str]] = {
    "accounts": {  # Companies
        "account_id": "Record ID",
        "modified_at": "Last Modified Date",
        "name": "Company name",
        "segment": "Segment",
        "region": "Region",
        "industry": "Industry",
        "owner_name": "Company owner",
        "owner_email": "Company owner email",
        "manager_name": "Manager",
        "manager_email": "Manager email",
    },
    "subscriptions": {
        "subscription_id": "Record ID",
        "account_id": "Associated Company IDs",
        "modified_at": "Last Modified Date",
        "plan": "Plan",
        "seats": "Seats",
        "arr": "Annual recurring revenue",
        "currency": "Currency",
        "start_date": "Start date",
        "end_date": "End date",
        "auto_renew": "Auto renew",
    },
    "opportunities": {  # Deals
        "opportunity_id": "Record ID",
        "account_id": "Associated Company IDs",
        "modified_at": "Last Modified Date",
        "subscription_id": "Subscription ID",
        "stage": "Deal Stage",
        "forecast_category": "Forecast category",
        "close_date": "Close Date",
        "amount": "Amount",
    },
    "contacts": {
        "contact_id": "Record ID",
        "account_id": "Associated Company IDs",
        "modified_at": "Last Modified Date",
        "role": "Buying Role",
        "name": "Full name",
        "email": "Email",
        "left": "Left company",
    },
    "tickets": {
        "ticket_id": "Ticket ID",
        "account_id": "Associated Company IDs",
        "modified_at": "Last modified date",
        "priority": "Priority",
        "status": "Ticket status",
        "escalated": "Escalated",
        "subject": "Ticket name",
        "closed": "Is closed",
    },
}

BUILT_IN = MappingProxyType({"salesforce": SALESFORCE, "hubspot": HUBSPOT})


class MappingError(ValueError):
    """The mapping file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Mapping:
    system: str  # names the source system in event ids
    columns: dict[str, dict[str, str]]  # kind -> field -> column

    def of(self, kind: str) -> dict[str, str]:
        return self.columns.get(kind, {})


def load(name_or_path: str) -> Mapping:
    if name_or_path in BUILT_IN:
        return Mapping(name_or_path, {k: dict(v) for k, v in BUILT_IN[name_or_path].items()})
    path = Path(name_or_path)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"--mapping {path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"--mapping {path}: not TOML: {exc}") from None
    base = data.pop("extends", None)
    if base is not None and base not in BUILT_IN:
        raise MappingError(f"--mapping {path}: extends {base!r}; built in: {', '.join(BUILT_IN)}")
    system = data.pop("system", path.stem)
    columns = {k: dict(v) for k, v in BUILT_IN[base].items()} if base else {}
    for kind, fields in data.items():
        if kind not in KINDS or not isinstance(fields, dict):
            raise MappingError(f"--mapping {path}: [{kind}] is not a kind ({', '.join(KINDS)})")
        for field, column in fields.items():
            if field not in FIELDS[kind] or not isinstance(column, str):
                known = ", ".join(FIELDS[kind])
                raise MappingError(
                    f"--mapping {path}: [{kind}] {field} = {column!r}; fields: {known}"
                )
        columns.setdefault(kind, {}).update(fields)
    return Mapping(str(system), columns)


def missing_columns(mapping: Mapping, kind: str, header: set[str]) -> list[str]:
    """Required fields whose column the file lacks, as `field (column "X")`."""
    columns = mapping.of(kind)
    problems = []
    for field in FIELDS[kind]:
        column = columns.get(field)
        if field in OPTIONAL:
            continue
        if column is None:
            problems.append(f"{field} (no column mapped)")
        elif column not in header:
            problems.append(f'{field} (column "{column}")')
    return problems
