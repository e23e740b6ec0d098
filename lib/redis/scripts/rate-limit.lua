--[==[
  GCRA rate limit of one client: one atomic step, one round trip, state that expires by itself.
  A client may send `burst` requests at once after being idle, then one per `interval`. The
  state is the theoretical arrival time (TAT) of the client's next request, in microseconds of
  the Redis clock: server time, so every API instance agrees whatever their clocks say.
  Integer microseconds keep the arithmetic exact in Lua's doubles.

  KEYS[1]  the client's state key (string, expires when the client has been idle long enough
           to get its whole burst back)
  ARGV[1]  emission interval in whole microseconds (1e6 / rate, at least 1)
  ARGV[2]  burst, in requests (at least 1)
  ARGV[3]  cost of this request, in requests (1..burst)

  Output   {allowed (1 or 0), retry_after_ms (0 when allowed), remaining}
           remaining = requests of cost 1 that would pass right now after this one
]==]
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end

local window = burst * interval
local new_tat = tat + cost * interval
local allow_at = new_tat - window
if now < allow_at then
  local remaining = math.floor((now - (tat - window)) / interval)
  if remaining < 0 then
    remaining = 0
  end
  return {0, math.ceil((allow_at - now) / 1000), remaining}
end

redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, 0, math.floor((now - allow_at) / interval)}
