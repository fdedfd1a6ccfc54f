"""Pure view logic: no I/O, so it is tested without services."""
