"""The consumer side: alert events applied to alert records and queued notices."""
