"""`radar import`: CRM and support-desk exports (CSV or JSON lines) posted through ingest's
batch API, validated first, idempotent, resumable.

- `read`: the file's bytes as rows, whatever the encoding (UTF-8, with a BOM, Latin-1).
- `mappings`: which column holds which field: Salesforce and HubSpot built in, or a file.
- `convert`: rows -> contract events, or problems by line, column and reason (pure).
- `resume`: how far an import got, so an interrupted one goes on where it stopped.
- `cli`: the subcommand.
"""

from .cli import register

__all__ = ["register"]
