"""The Lua scripts of the cluster's frontier: each one atomic step on the Redis server.

Every key a script touches is one of its KEYS, and all of them are in one partition (one hash slot; see
crawler.net.rediskeys), so the scripts run on a Redis Cluster as on one server.
"""

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

#: KEYS: dupefilter set, queue zset, this worker's pending set. ARGV: groups of (fingerprint ('' = don't filter),
#: score, member, url). Filter and push in one step, so a kill cannot leave a request "seen" but never queued.
#: Returns a 0/1 per request (0: a duplicate).
PUSH = """
local out = {}
for i = 1, #ARGV, 4 do
  if ARGV[i] ~= '' and redis.call('SADD', KEYS[1], ARGV[i]) == 0 then
    out[#out + 1] = 0
  else
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i + 2])
    out[#out + 1] = 1
  end
  redis.call('SREM', KEYS[3], ARGV[i + 3])
end
return out
"""

#: KEYS: queue zset, this worker's lease hash, in-flight counter, the partition's ready hash (crawler.pace.cluster).
#: ARGV: lease id, window, number of acks n, n lease ids to end first, then this worker's hosts as "host count" with
#: the host prefetch last. One round trip per pop: end the finished leases, then look at the first ``window`` queued
#: requests and move the best one into this worker's lease hash: first a host whose turn has come (per-host gate: gap
#: passed, no pause, nothing out) and that this worker holds nothing of, then one whose turn has come, then any host
#: it holds nothing of, then any host it holds fewer than the prefetch of. Only a preference: the gate still decides
#: when a request leaves. Returns {member, ms the host stays paused, pause reason} or false.
CLAIM_NEXT = _NOW + """
local n = tonumber(ARGV[3])
local done = 0
for i = 4, 3 + n do done = done + redis.call('HDEL', KEYS[2], ARGV[i]) end
if done > 0 then redis.call('DECRBY', KEYS[3], done) end
local held, prefetch = {}, tonumber(ARGV[#ARGV])
for i = 4 + n, #ARGV - 1 do
  local sp = string.find(ARGV[i], ' ', 1, true)
  held[string.sub(ARGV[i], 1, sp - 1)] = tonumber(string.sub(ARGV[i], sp + 1))
end
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local best, best_rank, view = nil, 99, {}
for i = 1, #members, 2 do
  local m = members[i]
  local head = string.sub(m, 1, (string.find(m, '\\n', 1, true) or (#m + 1)) - 1)
  local sp = string.find(head, ' ', 1, true)
  local host = sp and string.sub(head, sp + 1) or ''
  local h = held[host] or 0
  if h < prefetch then
    if view[host] == nil then view[host] = redis.call('HGET', KEYS[4], host) or '' end
    local at = tonumber(string.match(view[host], '^%d+') or '0')
    if at > 0 and at <= now then  -- its turn has come and no pause runs: the entry has nothing left to say
      redis.call('HDEL', KEYS[4], host)
      view[host] = ''
    end
    local rank = (at <= now and 0 or 2) + (h > 0 and 1 or 0)
    if rank < best_rank then best, best_rank = i, rank end
    if rank == 0 then break end
  end
end
if not best then return false end
local m = members[best]
redis.call('ZREM', KEYS[1], m)
redis.call('HSET', KEYS[2], ARGV[1], members[best + 1] .. '\\n' .. m)
redis.call('INCR', KEYS[3])
local head = string.sub(m, 1, (string.find(m, '\\n', 1, true) or (#m + 1)) - 1)
local sp = string.find(head, ' ', 1, true)
local _, paused, reason = string.match(view[sp and string.sub(head, sp + 1) or ''], '^(%d+) (%d+) ?(.*)$')
paused = tonumber(paused) or 0
return {m, math.max(0, paused - now), paused > now and reason or ''}
"""

#: KEYS: lease hash, in-flight counter. ARGV: lease ids.
ACK = """
local n = 0
for i = 1, #ARGV do n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
if n > 0 then redis.call('DECRBY', KEYS[2], n) end
return n
"""

#: KEYS: queue zset, in-flight counter. Requests queued or leased in the partition.
PENDING = """
return redis.call('ZCARD', KEYS[1]) + (tonumber(redis.call('GET', KEYS[2])) or 0)
"""

#: KEYS: workers zset. ARGV: worker, stale ms. Beat, and list the workers whose heartbeat is stale.
BEAT = _NOW + """
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
"""

#: KEYS: workers zset. ARGV: worker, stale ms (-1: unconditionally). True if ``worker`` is (still) to be reclaimed:
#: its heartbeat is stale, or it is closing itself.
IS_STALE = _NOW + """
local hb = redis.call('ZSCORE', KEYS[1], ARGV[1])
return tonumber(ARGV[2]) < 0 or (hb ~= false and tonumber(hb) <= now - tonumber(ARGV[2]))
"""

#: KEYS: workers zset. ARGV: worker, stale ms (-1: unconditionally). Forget a reclaimed worker, unless it beat again.
FORGET = _NOW + """
local hb = redis.call('ZSCORE', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) >= 0 and hb and tonumber(hb) > now - tonumber(ARGV[2]) then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])
"""

#: KEYS (one partition): the worker's lease hash, queue zset, in-flight counter, the worker's pending set, seen set.
#: Put the worker's leased requests back in the queue and forget the URLs it had claimed but not decided on, so
#: that a survivor decides on them. Returns the number of requests put back.
RECLAIM = """
local items = redis.call('HVALS', KEYS[1])
for _, v in ipairs(items) do
  local i = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
end
if #items > 0 then redis.call('DECRBY', KEYS[3], #items) end
for _, u in ipairs(redis.call('SMEMBERS', KEYS[4])) do redis.call('SREM', KEYS[5], u) end
redis.call('DEL', KEYS[1], KEYS[4])
return #items
"""

#: KEYS: seen set, this worker's pending set. ARGV: urls. First sight marks a URL pending until decided.
#: Returns a 0/1 per URL (1: first sight, this worker decides on it).
MARK = """
local out = {}
for i = 1, #ARGV do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('SADD', KEYS[2], ARGV[i])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"""
