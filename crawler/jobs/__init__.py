"""Scheduled jobs: job files, the job spider, progress, logs and the run summary."""
