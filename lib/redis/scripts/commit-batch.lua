--[[
  Commits one batch atomically: acknowledges its source entries and applies its writes in
  one step, so a batch's effects happen exactly once whatever is retried or replayed.

  KEYS[1]   source stream (XACK target)
  KEYS[2]   marker key (mode "once" only; any key otherwise)
  KEYS[3..] keys that the write ops refer to by index (1 = KEYS[3])

  ARGV[1]   consumer group
  ARGV[2]   mode: "ack"  - apply only if at least one id was still pending (a retried batch
                           whose commit already happened acks nothing, so changes nothing)
                  "once" - apply only if the marker did not exist (replays of acked batches)
  ARGV[3]   marker TTL in seconds (mode "once")
  ARGV[4]   number of source ids n, then ARGV[5..4+n] the ids
  then ops, each: opcode, then its arguments
    X key maxlen nfields f1 v1 ...      XADD key MAXLEN ~ maxlen * f1 v1 ...   (maxlen 0: no cap)
    H key nfields f1 v1 ...             HSET key f1 v1 ...
    S key member                        SADD key member
    L key order channel message nfields f1 v1 ...
                                        latest-quote write: HSET only if the hash's `order`
                                        field is absent or <= order (fixed-width text, compared
                                        as strings), then PUBLISH channel message

  Output: { applied (0/1), acked, xadds, latest_written }
]]
local group = ARGV[1]
local mode = ARGV[2]
local n = tonumber(ARGV[4])
local acked = 0

-- unpack is bounded by Lua's C stack (~8000 values): acknowledge in chunks.
local chunk = 1000
for s = 5, 4 + n, chunk do
  acked = acked + redis.call('XACK', KEYS[1], group, unpack(ARGV, s, math.min(s + chunk - 1, 4 + n)))
end

if mode == 'ack' then
  if n > 0 and acked == 0 then return {0, 0, 0, 0} end
elseif mode == 'once' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[3])) then
    return {0, acked, 0, 0}
  end
else
  return redis.error_reply('ERR unknown commit mode ' .. tostring(mode))
end

local i = 5 + n
local xadds, latest = 0, 0
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'X' then
    local key, maxlen, nf = KEYS[2 + tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
    local s, e = i + 4, i + 3 + 2 * nf
    if maxlen > 0 then
      redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*', unpack(ARGV, s, e))
    else
      redis.call('XADD', key, '*', unpack(ARGV, s, e))
    end
    xadds = xadds + 1
    i = e + 1
  elseif op == 'H' then
    local key, nf = KEYS[2 + tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
    local s, e = i + 3, i + 2 + 2 * nf
    redis.call('HSET', key, unpack(ARGV, s, e))
    i = e + 1
  elseif op == 'S' then
    redis.call('SADD', KEYS[2 + tonumber(ARGV[i + 1])], ARGV[i + 2])
    i = i + 3
  elseif op == 'L' then
    local key, order = KEYS[2 + tonumber(ARGV[i + 1])], ARGV[i + 2]
    local channel, message = KEYS[2 + tonumber(ARGV[i + 3])], ARGV[i + 4]
    local nf = tonumber(ARGV[i + 5])
    local s, e = i + 6, i + 5 + 2 * nf
    local current = redis.call('HGET', key, 'order')
    if not current or current <= order then
      redis.call('HSET', key, unpack(ARGV, s, e))
      redis.call('PUBLISH', channel, message)
      latest = latest + 1
    end
    i = e + 1
  else
    return redis.error_reply('ERR unknown op ' .. tostring(op) .. ' at ' .. i)
  end
end
return {1, acked, xadds, latest}
