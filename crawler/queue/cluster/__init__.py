"""The cluster's frontier in Redis: the scheduler (:mod:`.scheduler`), its leased queue (:mod:`.leases`), the
shared seen-set (:mod:`.seen`) and their Lua scripts (:mod:`.scripts`)."""

from crawler.queue.cluster.scheduler import ClusterScheduler
from crawler.queue.cluster.seen import SharedSeen

__all__ = ["ClusterScheduler", "SharedSeen"]
