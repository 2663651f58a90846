"""The Lua scripts of the Redis store: each runs at once inside Redis (a commit's version check,
parts, log entries and note; a socket's presence; the heartbeat and the sweep; a lease)."""

# (mode, event key, change id key, expected version, new version, channel, note, lease key,
# lease value, ops...): mode "new": the event must not exist; "next": expected version must be
# the stored one; "append": no version change. With a lease key, the lease must still hold
# that value (the committer's fence). Each op is four arguments: command, key, field, value.
COMMIT = """
local mode, ev, applied = ARGV[1], ARGV[2], ARGV[3]
local expect, version = tonumber(ARGV[4]), tonumber(ARGV[5])
local channel, note = ARGV[6], ARGV[7]
local stored = tonumber(redis.call('GET', ev .. ':v') or '-1')
if redis.call('EXISTS', applied) == 1 then return {1, stored} end
if ARGV[8] ~= '' and redis.call('GET', ARGV[8]) ~= ARGV[9] then return {-3, stored} end
if mode == 'new' then
  if stored ~= -1 then return {-1, stored} end
  redis.call('SET', ev .. ':v', version)
elseif stored == -1 then return {-2, -1}
elseif mode == 'next' then
  if stored ~= expect then return {-1, stored} end
  redis.call('SET', ev .. ':v', version)
end
local i = 10
while i <= #ARGV do
  local cmd, key, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if cmd == 'SET' then redis.call('SET', key, value)
  elseif cmd == 'HSET' then redis.call('HSET', key, field, value)
  elseif cmd == 'HDEL' then redis.call('HDEL', key, field)
  elseif cmd == 'RPUSH' then redis.call('RPUSH', key, value)
  elseif cmd == 'ZADD' then redis.call('ZADD', key, value, field)
  elseif cmd == 'ZREM' then redis.call('ZREM', key, field)
  end
  i = i + 4
end
redis.call('SET', applied, 1, 'EX', 300)
if note ~= '' then redis.call('PUBLISH', channel, note) end
return {1, tonumber(redis.call('GET', ev .. ':v'))}
"""

NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# (prefix, event, pid, proc, sid) -> 1 when the person just came online
CONNECT = """
local p, eid, pid, proc, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ev = p .. ':ev:' .. eid
redis.call('SADD', ev .. ':p:' .. pid, proc .. '|' .. sid)
redis.call('SADD', p .. ':proc:' .. proc, eid .. '|' .. pid .. '|' .. sid)
redis.call('SET', ev .. ':touched', 1)
return redis.call('SADD', ev .. ':online', pid)
"""

# (prefix, event, pid, tab, has tab, take, now) -> {the person's pages as JSON (``Pages``),
# 1 if the page in charge changed}: the rule of ``base.claimed``, at once. Their sockets are
# the members ``proc|sid|tab`` of ``:p:<pid>``.
CLAIM_PAGE = """
local p, eid, pid = ARGV[1], ARGV[2], ARGV[3]
local tab, has, take, now = ARGV[4], ARGV[5] == '1', ARGV[6] == '1', tonumber(ARGV[7])
local ev = p .. ':ev:' .. eid
local live, order = {}, {}
for _, m in ipairs(redis.call('SMEMBERS', ev .. ':p:' .. pid)) do
  local t = string.match(m, '^[^|]*|[^|]*|(.*)$')
  if t and not live[t] then
    live[t] = true
    order[#order + 1] = t
  end
end
local raw = redis.call('HGET', ev .. ':pages', pid)
local cur = {}
if raw then cur = cjson.decode(raw) end
local holder = cur.holder
if holder == cjson.null then holder = nil end
local gone = holder == nil or not live[holder]
local chosen, changed = nil, 0
if not has then
  if gone and #order > 0 then chosen = order[1] end
elseif live[tab] and (take or gone or holder == tab) then
  chosen = tab
end
cur.tabs = #order
if chosen ~= nil and chosen ~= holder then
  if holder ~= nil and not gone then cur.switched_at = now end
  if holder == nil then cur.before = cjson.null else cur.before = holder end
  cur.holder = chosen
  changed = 1
end
local out = cjson.encode(cur)
if out ~= raw then
  redis.call('HSET', ev .. ':pages', pid, out)
  redis.call('SET', ev .. ':touched', 1)
end
return {out, changed}
"""

# (prefix, event, pid, proc, sid) -> 1 when the person just went offline
DISCONNECT = """
local p, eid, pid, proc, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ev = p .. ':ev:' .. eid
redis.call('SREM', p .. ':proc:' .. proc, eid .. '|' .. pid .. '|' .. sid)
if redis.call('SREM', ev .. ':p:' .. pid, proc .. '|' .. sid) == 0 then return 0 end
redis.call('SET', ev .. ':touched', 1)
if redis.call('SCARD', ev .. ':p:' .. pid) > 0 then return 0 end
return redis.call('SREM', ev .. ':online', pid)
"""

# (prefix, proc) -> 1 if the process was known alive (0: new, or given up for dead)
HEARTBEAT = (
    NOW
    + """
local known = redis.call('ZSCORE', ARGV[1] .. ':procs', ARGV[2])
redis.call('ZADD', ARGV[1] .. ':procs', now, ARGV[2])
if known then return 1 end
return 0
"""
)

# (prefix, timeout ms) -> {kind, event, id, ...}: "p" and a participant who went offline, "s"
# and a staff page gone with its process (its moderator number freed)
SWEEP = (
    NOW
    + """
local p, timeout = ARGV[1], tonumber(ARGV[2])
local gone = {}
for _, proc in ipairs(redis.call('ZRANGEBYSCORE', p .. ':procs', '-inf', now - timeout)) do
  for _, m in ipairs(redis.call('SMEMBERS', p .. ':proc:' .. proc)) do
    local eid, pid, sid = string.match(m, '^([^|]*)|([^|]*)|(.*)$')
    local ev = p .. ':ev:' .. eid
    redis.call('SREM', ev .. ':p:' .. pid, proc .. '|' .. sid)
    redis.call('SET', ev .. ':touched', 1)
    if redis.call('SCARD', ev .. ':p:' .. pid) == 0 then
      if redis.call('SREM', ev .. ':online', pid) == 1 then
        table.insert(gone, 'p')
        table.insert(gone, eid)
        table.insert(gone, pid)
      end
    end
  end
  for _, m in ipairs(redis.call('SMEMBERS', p .. ':proc:' .. proc .. ':staff')) do
    local eid, staff = string.match(m, '^([^|]*)|(.*)$')
    local key = p .. ':ev:' .. eid .. ':staff'
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      if all[i + 1] == staff then redis.call('HDEL', key, all[i]) end
    end
    table.insert(gone, 's')
    table.insert(gone, eid)
    table.insert(gone, staff)
  end
  redis.call('DEL', p .. ':proc:' .. proc, p .. ':proc:' .. proc .. ':staff')
  redis.call('ZREM', p .. ':procs', proc)
end
return gone
"""
)

# (prefix, event, staff page, proc) -> the page's number: the lowest free in the event
STAFF_JOIN = """
local p, eid, staff, proc = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. ':ev:' .. eid .. ':staff'
local all = redis.call('HGETALL', key)
local taken = {}
for i = 1, #all, 2 do
  if all[i + 1] == staff then return tonumber(all[i]) end
  taken[tonumber(all[i])] = true
end
local n = 1
while taken[n] do n = n + 1 end
redis.call('HSET', key, n, staff)
redis.call('SADD', p .. ':proc:' .. proc .. ':staff', eid .. '|' .. staff)
return n
"""

# (prefix, event, staff page, proc): free the page's number
STAFF_LEAVE = """
local p, eid, staff, proc = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. ':ev:' .. eid .. ':staff'
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  if all[i + 1] == staff then redis.call('HDEL', key, all[i]) end
end
redis.call('SREM', p .. ':proc:' .. proc .. ':staff', eid .. '|' .. staff)
return 1
"""

# (lease key, fence key, proc, ttl ms) -> the fencing version, or 0 while another holds it
LEASE = """
local key, fence_key, proc, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local current = redis.call('GET', key)
if not current then
  local fence = redis.call('INCR', fence_key)
  redis.call('SET', key, proc .. ':' .. fence, 'PX', ttl)
  return fence
end
local holder, fence = string.match(current, '^(.*):(%d+)$')
if holder ~= proc then return 0 end
redis.call('PEXPIRE', key, ttl)
return tonumber(fence)
"""

RELEASE = """
local current = redis.call('GET', ARGV[1])
if current and string.sub(current, 1, string.len(ARGV[2]) + 1) == ARGV[2] .. ':' then
  return redis.call('DEL', ARGV[1])
end
return 0
"""

# (applied key, hash key, field, value, field, value...): add each value to its counter, once
# for one applied key however often it is sent
ADD_CONNECTED = """
if redis.call('SET', ARGV[1], 1, 'NX', 'EX', 300) then
  for i = 3, #ARGV, 2 do redis.call('HINCRBY', ARGV[2], ARGV[i], ARGV[i + 1]) end
end
return 1
"""
