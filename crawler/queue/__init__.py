"""What waits to be fetched: the host-aware queue, the job journal, the cluster scheduler."""
