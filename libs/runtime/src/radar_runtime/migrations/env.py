"""Run by Alembic for each command, with the connection radar_runtime.migrations opened."""

from alembic import context

from radar_runtime.migrations import COMPARE_OPTIONS

config = context.config
context.configure(
    connection=config.attributes["connection"],
    target_metadata=[branch.metadata for branch in config.attributes["branches"]],
    **COMPARE_OPTIONS,
)
with context.begin_transaction():
    context.run_migrations()
