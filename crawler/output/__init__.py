"""Where items go: feeds, JSON Lines pipeline, WARC, and the checks on output paths."""
