"""Pure decisions, testable without a crawl: scope, robots.txt, policy, terms, opt-out signals."""
