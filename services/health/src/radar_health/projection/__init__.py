"""Projections of the raw topics into the health tables: bulk, order-independent writes."""
