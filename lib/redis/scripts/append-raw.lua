--[[
  Appends a batch of raw events of one feed to the raw stream: one XADD each, in order.
  One script call per batch instead of one command per event: the client builds one command
  and one JSON string, which is what lets ingestion outrun a pipeline of single XADDs.
  Field names are codec.ts's (encodeRaw / decodeRaw); test/lib/redis/append-raw.test.ts
  checks that both agree.

  KEYS[1]   raw stream
  ARGV[1]   approximate max length (XADD MAXLEN ~)
  ARGV[2]   feed name
  ARGV[3]   adapter name
  ARGV[4]   JSON array of events, each [recv_ts, source_id, payload] or
            [recv_ts, source_id, payload, parse_error], or for an event sampled for tracing
            [recv_ts, source_id, payload, parse_error or null, traceparent]; every element a
            string (cjson would print numbers as floats)

  Output: the number of entries added
]]
local key, maxlen, feed, adapter = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local events = cjson.decode(ARGV[4])
for _, e in ipairs(events) do
  if e[5] ~= nil then
    local f = { 'XADD', key, 'MAXLEN', '~', maxlen, '*',
      'feed', feed, 'adapter', adapter, 'recv_ts', e[1], 'source_id', e[2], 'payload', e[3] }
    if e[4] ~= cjson.null then
      f[#f + 1] = 'parse_error'
      f[#f + 1] = e[4]
    end
    f[#f + 1] = 'traceparent'
    f[#f + 1] = e[5]
    redis.call(unpack(f))
  elseif e[4] == nil then
    redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*',
      'feed', feed, 'adapter', adapter, 'recv_ts', e[1], 'source_id', e[2], 'payload', e[3])
  else
    redis.call('XADD', key, 'MAXLEN', '~', maxlen, '*',
      'feed', feed, 'adapter', adapter, 'recv_ts', e[1], 'source_id', e[2], 'payload', e[3],
      'parse_error', e[4])
  end
end
return #events
