"""Test support: the pytest plugin `radar_runtime.testing.fixtures` and its helpers."""
