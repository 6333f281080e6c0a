"""Network: the address guard, URLs, identity, keys and request signatures."""
