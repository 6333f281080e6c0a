"""Job state kept between runs: the kill-safe frontier, the job lock and resume reconciliation."""
