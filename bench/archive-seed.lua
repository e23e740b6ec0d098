--[[
  Seeds normalized ticks of one day for the archive bench, server side (no round trip per
  entry). KEYS[1] stream. ARGV: start ms, step ms, first index, count.
  Output: number of entries added.
]]
local key = KEYS[1]
local start, step, first, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tickers = { 'AAPL', 'MSFT', 'JPM', 'BTC-USD', 'XOM', 'AMZN', 'JNJ', 'GE', 'KO', 'DUK', 'DIS', 'NVDA' }
local sectors = { 'Technology', 'Technology', 'Financials', 'Crypto', 'Energy', 'Consumer Discretionary',
  'Healthcare', 'Industrials', 'Consumer Staples', 'Utilities', 'Communication Services', 'Technology' }
for i = first, first + count - 1 do
  local ms = start + i * step
  local k = (i % #tickers) + 1
  local tick = string.format(
    '{"ticker":"%s","kind":"trade","price":"%d.%06d","size":"%d","ts":%d,"sector":"%s","source":"bench","feed":"bench","seq":"%d","raw_id":"%d-0"}',
    tickers[k], 100 + (i * 7) % 900, (i * 7919) % 1000000, 1 + i % 500, ms - 3, sectors[k], i, ms - 1)
  redis.call('XADD', key, string.format('%d-%d', ms, i % 4), 'tick', tick)
end
return count
