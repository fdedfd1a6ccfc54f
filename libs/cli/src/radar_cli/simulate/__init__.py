"""`radar simulate`: realistic, seeded customers posted through ingest's REST API.

- `accounts`, `activity`, `crm`, `model`: pure generation (see `model`).
- `truth`: the ground-truth file (its format is in its docstring).
- `cli`: the subcommand; it posts through `radar_cli.post`.
"""

from .cli import register
from .model import SimulationConfig, generate

__all__ = ["SimulationConfig", "generate", "register"]
