"""The notifier's pure domain: routing, alert-fatigue control, retries and rendering.

Nothing here reads the clock, the environment, the network or a database: callers
pass `now`, state and configuration in, and persist what comes back.
"""
