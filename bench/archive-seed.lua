--[[
  Seeds normalized ticks of one day for the archive bench, server side (no round trip per
  entry), each into its ticker's partition stream. KEYS: the partitions' streams.
  ARGV: start ms, step ms, first index, count, then per ticker: ticker, sector, partition
  (1-based index into KEYS).
  Output: number of entries added.
]]
local start, step, first, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tickers, sectors, streams = {}, {}, {}
for j = 5, #ARGV, 3 do
  tickers[#tickers + 1] = ARGV[j]
  sectors[#sectors + 1] = ARGV[j + 1]
  streams[#streams + 1] = KEYS[tonumber(ARGV[j + 2])]
end
for i = first, first + count - 1 do
  local ms = start + i * step
  local k = (i % #tickers) + 1
  local tick = string.format(
    '{"ticker":"%s","kind":"trade","price":"%d.%06d","size":"%d","ts":%d,"sector":"%s","source":"bench","feed":"bench","seq":"%d","raw_id":"%d-0"}',
    tickers[k], 100 + (i * 7) % 900, (i * 7919) % 1000000, 1 + i % 500, ms - 3, sectors[k], i, ms - 1)
  redis.call('XADD', streams[k], string.format('%d-%d', ms, i % 4), 'tick', tick)
end
return count
