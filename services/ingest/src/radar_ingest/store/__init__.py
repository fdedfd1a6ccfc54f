"""Ingest keeps no tables: its store is the broker, and an event is stored once the
broker has acknowledged it."""
