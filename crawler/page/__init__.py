"""What a fetched body is and says: size caps, sniffing, extraction, directives, sitemaps."""
