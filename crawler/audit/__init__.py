"""The audit log: writing, chaining and signing, verifying, merging, reports, server-log checks."""
