"""The `radar` command."""
