"""The health service's pure domain: signals → health score → conditions → alert changes.

No I/O, no clock: every instant (`as_of`, `now`) is passed in.
"""
