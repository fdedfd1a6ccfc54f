"""Ingest's background work: reading the API key file again when it changes."""
