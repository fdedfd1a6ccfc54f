"""Background work: the usage worker (recomputes accounts whose usage changed, announces
expired overrides, re-counts the band gauge) and the scheduled recompute of every account."""
