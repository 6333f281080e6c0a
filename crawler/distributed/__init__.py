"""Many civilcrawl workers, one politeness: a crawl shared through Redis (``--redis URL --cluster NAME``).

The workers of a cluster share the frontier and seen-set (crawler.queue.cluster), the decision reads
(robots.txt, tdmrep.json, ai.txt: :mod:`.reads`), the page budget and the per-host gate (crawler.pace.cluster),
all under the key prefix ``civil:<cluster>:`` (crawler.net.rediskeys). Redis is the only service; when it is
unreachable no request leaves (crawler.net.redisclient).
"""
