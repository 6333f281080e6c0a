"""Per-host politeness: the local pacer and the Redis one, behind the same calls."""
