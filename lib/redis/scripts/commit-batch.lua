--[==[
  Commits one batch atomically: acknowledges its source entries and applies its writes in
  one step, so a batch's effects happen exactly once whatever is retried or replayed.
  Ids and ops travel as two JSON texts: one string each for the client to build (ioredis
  spends microseconds per argument; a batch has tens of thousands of values).

  KEYS[1]   source stream (XACK target)
  KEYS[2]   marker key (mode "once" only; any key otherwise)
  KEYS[3..] keys (and the shard channel) that the write ops refer to by index (1 = KEYS[3])
  Every key is one partition's (hash tag {pN}): the script runs in one Redis Cluster slot.

  ARGV[1]   consumer group
  ARGV[2]   mode: "ack"  - apply only if at least one id was still pending (a retried batch
                           whose commit already happened acks nothing, so changes nothing)
                  "once" - apply only if the marker did not exist (replays of acked batches)
  ARGV[3]   marker TTL in seconds (mode "once")
  ARGV[4]   JSON array of the source ids
  ARGV[5]   JSON array of ops, each an array (all field values strings):
    ["X", key, maxlen, [f1, v1, ...]]   XADD key MAXLEN ~ maxlen * f1 v1 ...   (maxlen 0: no cap)
    ["H", key, [f1, v1, ...]]           HSET key f1 v1 ...
    ["S", key, member]                  SADD key member
    ["L", venue, latest, venues, feed, order, channel, message, [f1, v1, ...]]
                                        latest-quote write of one feed's (venue's) quote:
                                        replace the venue hash with the fields only if its
                                        `order` field is absent or <= order (fixed-width text,
                                        compared as strings), add the feed to the venues set,
                                        SPUBLISH the message; then the same rule for the
                                        ticker's latest hash over all venues
    ["I", key, field, n]                HINCRBY key field n
    ["A", key, maxlen, field, [v1, ...], [g1, ...], [m1, ...]]
                                        append a run of one-field entries: XADD key * field vi
                                        for each value (then one XTRIM MAXLEN ~ maxlen), each
                                        guarded like "D" when gi (a key index) is not 0 and
                                        mi is a member already seen; one op for a whole run is
                                        far less to decode than an op per entry
    ["D", key, member, skip]            de-duplication guard: SADD member to the set key (which
                                        expires ARGV[6]'s ttl seconds after its first member);
                                        when the member was there already, the next `skip` ops
                                        are not applied and ARGV[6]'s counter goes up by one
  ARGV[6]   JSON [ttl, counter key, counter field] for the "D" ops, or "" when there are none
            (once per batch: repeated in every op it was a third of the decoding work)
  ARGV[7]   fencing: JSON [lease key index, token], or "": the commit applies only while the
            lease key holds the token, i.e. while no newer attempt of the same consumer has
            taken the slot over (a worker cut off from Temporal keeps running after its
            activity was given to another worker; it must not commit behind the new one)

  Output: { applied (0/1, or -1 when fenced off), acked, xadds, latest_written, duplicates }
]==]
local group = ARGV[1]
local mode = ARGV[2]
if ARGV[7] ~= nil and ARGV[7] ~= '' then
  local fence = cjson.decode(ARGV[7])
  if redis.call('GET', KEYS[2 + fence[1]]) ~= fence[2] then return {-1, 0, 0, 0, 0} end
end
local ids = cjson.decode(ARGV[4])
local n = #ids
local acked = 0

-- unpack is bounded by Lua's C stack (~8000 values): acknowledge in chunks.
local chunk = 1000
for s = 1, n, chunk do
  acked = acked + redis.call('XACK', KEYS[1], group, unpack(ids, s, math.min(s + chunk - 1, n)))
end

if mode == 'ack' then
  if n > 0 and acked == 0 then return {0, 0, 0, 0, 0} end
elseif mode == 'once' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[3])) then
    return {0, acked, 0, 0, 0}
  end
else
  return redis.error_reply('ERR unknown commit mode ' .. tostring(mode))
end

local ops = cjson.decode(ARGV[5])
local xadds, latest, dups = 0, 0, 0
local dedupe = ARGV[6] ~= '' and cjson.decode(ARGV[6]) or nil

-- De-duplication guards, per set key: which members were there before this batch, with one
-- SMISMEMBER and one SADD per key instead of a call per event.
local guarded = {}
local function guard(key, member)
  local g = guarded[key]
  if not g then
    g = { members = {}, before = {} }
    guarded[key] = g
  end
  g.members[#g.members + 1] = member
end
for i = 1, #ops do
  local op = ops[i]
  if op[1] == 'D' then
    guard(KEYS[2 + op[2]], op[3])
  elseif op[1] == 'A' then
    local gk, gm = op[6], op[7]
    for j = 1, #gk do
      if gk[j] ~= 0 then guard(KEYS[2 + gk[j]], gm[j]) end
    end
  end
end
-- True when the member is new (not there before the batch, nor earlier in it); a duplicate
-- is counted.
local function admit(key, member)
  local g = guarded[key]
  if g.before[member] then
    dups = dups + 1
    redis.call('HINCRBY', KEYS[2 + dedupe[2]], dedupe[3], 1)
    return false
  end
  g.before[member] = true
  return true
end
for key, g in pairs(guarded) do
  for s = 1, #g.members, chunk do
    local e = math.min(s + chunk - 1, #g.members)
    local found = redis.call('SMISMEMBER', key, unpack(g.members, s, e))
    for j = 1, #found do
      if found[j] == 1 then g.before[g.members[s + j - 1]] = true end
    end
    redis.call('SADD', key, unpack(g.members, s, e))
  end
  redis.call('EXPIRE', key, dedupe[1], 'NX')
end

local skip = 0
for i = 1, #ops do
  local op = ops[i]
  local code = op[1]
  if skip > 0 then
    skip = skip - 1
  elseif code == 'X' then
    local key, maxlen = KEYS[2 + op[2]], op[3]
    if maxlen > 0 then
      redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*', unpack(op[4]))
    else
      redis.call('XADD', key, '*', unpack(op[4]))
    end
    xadds = xadds + 1
  elseif code == 'H' then
    redis.call('HSET', KEYS[2 + op[2]], unpack(op[3]))
  elseif code == 'S' then
    redis.call('SADD', KEYS[2 + op[2]], op[3])
  elseif code == 'L' then
    local venue, order = KEYS[2 + op[2]], op[6]
    local current = redis.call('HGET', venue, 'order')
    if not current or current <= order then
      -- Replace, not merge: a trade must not keep the bid and ask of the quote before it.
      redis.call('DEL', venue)
      redis.call('HSET', venue, unpack(op[9]))
      redis.call('SADD', KEYS[2 + op[4]], op[5])
      redis.call('SPUBLISH', KEYS[2 + op[7]], op[8])
      latest = latest + 1
      -- The ticker's latest over all venues is never older than one venue's.
      local all = KEYS[2 + op[3]]
      local newest = redis.call('HGET', all, 'order')
      if not newest or newest <= order then
        redis.call('DEL', all)
        redis.call('HSET', all, unpack(op[9]))
      end
    end
  elseif code == 'I' then
    redis.call('HINCRBY', KEYS[2 + op[2]], op[3], op[4])
  elseif code == 'D' then
    if not admit(KEYS[2 + op[2]], op[3]) then skip = op[4] end
  elseif code == 'A' then
    local key, maxlen, field, values, gk, gm = KEYS[2 + op[2]], op[3], op[4], op[5], op[6], op[7]
    for j = 1, #values do
      if gk[j] == 0 or admit(KEYS[2 + gk[j]], gm[j]) then
        redis.call('XADD', key, '*', field, values[j])
        xadds = xadds + 1
      end
    end
    if maxlen > 0 then redis.call('XTRIM', key, 'MAXLEN', '~', maxlen) end
  else
    return redis.error_reply('ERR unknown op ' .. tostring(code) .. ' at ' .. i)
  end
end
return {1, acked, xadds, latest, dups}
