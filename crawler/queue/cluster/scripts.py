"""The Lua scripts of the cluster's frontier: each one step, atomic on the Redis server."""

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

#: KEYS: dupefilter set, queue zset, this worker's pending set. ARGV: fingerprint ('' = don't filter), score,
#: member, url. Filter and push in one step, so a kill cannot leave a request "seen" but never queued.
PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[4]) return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('SREM', KEYS[3], ARGV[4])
return 1
"""

#: KEYS: queue zset, lease hash, in-flight counter. ARGV: lease id, window, key prefix, number of acks n, n lease
#: ids to end first, then this worker's hosts as "host count" with the host prefetch last. One round trip per pop:
#: end the finished leases, then look at the first ``window`` queued requests and move the best one into this
#: worker's lease hash: first a host whose turn has come (per-host gate: gap passed, no pause, nothing out) and
#: that this worker holds nothing of, then one whose turn has come, then any host it holds nothing of, then any
#: host it holds fewer than the prefetch of. Only a preference: the gate still decides when a request leaves.
CLAIM_NEXT = _NOW + """
local n = tonumber(ARGV[4])
local done = 0
for i = 5, 4 + n do done = done + redis.call('HDEL', KEYS[2], ARGV[i]) end
if done > 0 then redis.call('DECRBY', KEYS[3], done) end
local held, prefetch = {}, tonumber(ARGV[#ARGV])
for i = 5 + n, #ARGV - 1 do
  local sp = string.find(ARGV[i], ' ', 1, true)
  held[string.sub(ARGV[i], 1, sp - 1)] = tonumber(string.sub(ARGV[i], sp + 1))
end
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local best, best_rank, ready = nil, 99, {}
for i = 1, #members, 2 do
  local m = members[i]
  local head = string.sub(m, 1, (string.find(m, '\\n', 1, true) or (#m + 1)) - 1)
  local sp = string.find(head, ' ', 1, true)
  local host = sp and string.sub(head, sp + 1) or ''
  local h = held[host] or 0
  if h < prefetch then
    if ready[host] == nil then
      local st = redis.call('HMGET', ARGV[3] .. 'host:' .. host, 'next', 'paused')
      ready[host] = (tonumber(st[1]) or 0) <= now and (tonumber(st[2]) or 0) <= now
        and redis.call('ZCOUNT', ARGV[3] .. 'leases:' .. host, now, '+inf') == 0
    end
    local rank = (ready[host] and 0 or 2) + (h > 0 and 1 or 0)
    if rank < best_rank then best, best_rank = i, rank end
    if rank == 0 then break end
  end
end
if not best then return false end
local m = members[best]
redis.call('ZREM', KEYS[1], m)
redis.call('HSET', KEYS[2], ARGV[1], members[best + 1] .. '\\n' .. m)
redis.call('INCR', KEYS[3])
return m
"""

#: KEYS: lease hash, in-flight counter. ARGV: lease ids.
ACK = """
local n = 0
for i = 1, #ARGV do n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
if n > 0 then redis.call('DECRBY', KEYS[2], n) end
return n
"""

#: KEYS: workers zset. ARGV: worker, stale ms. Beat, and list the workers whose heartbeat is stale.
BEAT = _NOW + """
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
"""

#: KEYS: workers zset, lease hash, queue zset, in-flight counter, pending set, seen set.
#: ARGV: worker, stale ms (-1: reclaim unconditionally, for a worker closing itself).
RECLAIM = _NOW + """
local hb = redis.call('ZSCORE', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) >= 0 and hb and tonumber(hb) > now - tonumber(ARGV[2]) then return -1 end
local items = redis.call('HVALS', KEYS[2])
for _, v in ipairs(items) do
  local i = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[3], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
end
if #items > 0 then redis.call('DECRBY', KEYS[4], #items) end
for _, u in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('SREM', KEYS[6], u) end
redis.call('DEL', KEYS[2], KEYS[5])
redis.call('ZREM', KEYS[1], ARGV[1])
return #items
"""

#: KEYS: seen set, this worker's pending set. ARGV: url. First sight marks the URL pending until decided.
MARK = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
