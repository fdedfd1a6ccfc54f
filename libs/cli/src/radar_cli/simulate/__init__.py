"""`radar simulate`: realistic, seeded customers posted through ingest's REST API.

- `accounts`, `activity`, `crm`, `model`: pure generation (see `model`).
- `post`: batching and posting to `POST /v1/events/batch`.
- `truth`: the ground-truth file (its format is in its docstring).
- `cli`: the subcommand.
"""

from .cli import register
from .model import SimulationConfig, generate

__all__ = ["SimulationConfig", "generate", "register"]
