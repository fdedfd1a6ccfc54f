"""Recomputing health scores from the projection: load, assess with the domain, store, emit."""
