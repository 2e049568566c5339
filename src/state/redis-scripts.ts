/**
 * @module Lua scripts for the Redis backend. Each one is a single atomic step (Redis runs a script to
 * completion before serving anyone else, https://redis.io/docs/latest/develop/interact/programmability/eval-intro/)
 * and reads the clock with `TIME`, which since Redis 5 is allowed before writes because scripts are
 * replicated by effects. The arithmetic is a port of `src/domain/limits/` (`checkGcra`, `checkBudget`,
 * `windowKey`); change them together. Every key a script touches is passed in KEYS.
 * Numbers travel as strings formatted with %.17g, since Redis truncates Lua numbers in replies to integers.
 */
import { createHash } from 'node:crypto';

export interface LuaScript {
  source: string;
  sha: string;
}

function defineScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const LUA_COMMON = `
local function fmt(x) return string.format('%.17g', x) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local BUDGET_TTL = { d = 172800000, m = 2764800000 }
local function expire_budget(key, code)
  local ttl = BUDGET_TTL[code]
  if ttl then redis.call('PEXPIRE', key, ttl) end
end
-- A GCRA bucket is the string "<at> <debtMs>" (GcraState in src/domain/limits/gcra.ts).
local function read_bucket(key)
  local s = redis.call('GET', key)
  if not s then return nil, nil end
  local sp = string.find(s, ' ', 1, true)
  if not sp then return nil, nil end
  return tonumber(string.sub(s, 1, sp - 1)), tonumber(string.sub(s, sp + 1))
end
local function owed_at(at, debt, now)
  if not at or not debt then return 0 end
  local owed = at - now + debt
  if owed > 0 then return owed end
  return 0
end
local function write_bucket(key, at, debt, now)
  local owed = at - now + debt
  if owed > 0 then
    redis.call('SET', key, fmt(at) .. ' ' .. fmt(debt), 'PX', math.max(1, math.ceil(owed)))
  else
    redis.call('DEL', key)
  end
end
`;

/** Calendar window keys from epoch ms, via Hinnant's civil_from_days (http://howardhinnant.github.io/date_algorithms.html). */
export const LUA_WINDOW_KEY = `
local function window_key(code, now)
  if code == 't' then return 't' end
  local z = math.floor(now / 86400000) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  if code == 'm' then return string.format('m:%04d-%02d', y, m) end
  return string.format('d:%04d-%02d-%02d', y, m, d)
end
`;

/**
 * KEYS: the open-reservation marker, rate keys, lease keys, budget keys, then the generation key. ARGV: id,
 * leaseTtlMs, #rates, #leases, #budgets, tokens, usd, markerTtlMs, then (emissionMs, toleranceMs, cost) per rate,
 * limit per lease, (window code, maxTokens|'', maxUsd|'') per budget. Reply: status, now, then (allowed,
 * remaining, resetMs, retryAfterMs|-1) per rate, (allowed, inUse) per lease, (allowed, deniedUnit|'', windowKey)
 * per budget. Status 1 admitted, 0 refused; deniedUnit 'stale' marks a budget whose counter was not built for this
 * generation and these limits (field `g`), and a reply of { 2 } alone means the generation key is missing.
 */
export const ADMIT_SCRIPT = defineScript(`${LUA_COMMON}${LUA_WINDOW_KEY}
local EPS, USD_EPS = 1e-6, 1e-9
local now = now_ms()
local id, ttl = ARGV[1], tonumber(ARGV[2])
local nr, nl, nb = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, usd = tonumber(ARGV[6]), tonumber(ARGV[7])
local ok = true
local out = { 0, fmt(now) }
local a = 9
local debts = {}
for i = 1, nr do
  local em, tol, cost = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local at, debt = read_bucket(KEYS[1 + i])
  local owed = owed_at(at, debt, now)
  local next_debt = owed + cost * em
  if next_debt <= tol + EPS then
    debts[i] = next_debt
    table.insert(out, 1)
    table.insert(out, math.max(0, math.floor((tol - next_debt) / em + EPS)))
    table.insert(out, fmt(next_debt))
    table.insert(out, '0')
  else
    ok = false
    local retry = '-1'
    if cost * em <= tol + EPS then retry = fmt(next_debt - tol) end
    table.insert(out, 0)
    table.insert(out, math.max(0, math.floor((tol - owed) / em + EPS)))
    table.insert(out, fmt(owed))
    table.insert(out, retry)
  end
end
for j = 1, nl do
  local key = KEYS[1 + nr + j]
  local limit = tonumber(ARGV[a])
  a = a + 1
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now))
  local used = redis.call('ZCARD', key)
  if used >= limit then ok = false; table.insert(out, 0) else table.insert(out, 1) end
  table.insert(out, used)
end
local wks, fresh = {}, {}
local gen = false
if nb > 0 then
  gen = redis.call('GET', KEYS[#KEYS])
  if not gen then return { 2 } end
end
for k = 1, nb do
  local key = KEYS[1 + nr + nl + k]
  local code, max_tok, max_usd = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local built = gen .. ':' .. ARGV[a + 1] .. '/' .. ARGV[a + 2]
  a = a + 3
  local wk = window_key(code, now)
  local cur = redis.call('HMGET', key, 'w', 'tok', 'usd', 'g')
  local used_tok, used_usd = 0, 0
  fresh[k] = cur[1] ~= wk
  if not fresh[k] then used_tok, used_usd = tonumber(cur[2]) or 0, tonumber(cur[3]) or 0 end
  local denied = ''
  if cur[4] ~= built then denied = 'stale'
  elseif max_tok and tokens > 0 and used_tok + tokens > max_tok then denied = 'tokens'
  elseif max_usd and usd > 0 and used_usd + usd > max_usd + USD_EPS then denied = 'usd' end
  if denied ~= '' then ok = false; table.insert(out, 0) else table.insert(out, 1) end
  table.insert(out, denied)
  table.insert(out, wk)
  wks[k] = { key, code, wk }
end
if not ok then return out end
out[1] = 1
-- Removed by the settle: its presence is what lets exactly one settle apply.
redis.call('SET', KEYS[1], '1', 'PX', ARGV[8])
for i = 1, nr do write_bucket(KEYS[1 + i], now, debts[i], now) end
for j = 1, nl do
  local key = KEYS[1 + nr + j]
  redis.call('ZADD', key, fmt(now + ttl), id)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
for k = 1, nb do
  local key, code, wk = wks[k][1], wks[k][2], wks[k][3]
  if fresh[k] then
    redis.call('HSET', key, 'w', wk, 'tok', ARGV[6], 'usd', ARGV[7])
    -- Set once per window: the TTL outlives the window, so later writes need not refresh it.
    expire_budget(key, code)
  else
    if tokens ~= 0 then redis.call('HINCRBY', key, 'tok', ARGV[6]) end
    if usd ~= 0 then redis.call('HINCRBYFLOAT', key, 'usd', ARGV[7]) end
  end
end
return out
`);

/**
 * KEYS: the open-reservation marker, lease keys, token bucket keys, budget keys. ARGV: id, #leases, #buckets,
 * #budgets, tokenDelta, usdDelta, emissionMs per bucket, windowKey per budget.
 * Reply: 1 when applied, 0 when the reservation was already settled (or its marker lapsed).
 */
export const SETTLE_SCRIPT = defineScript(`${LUA_COMMON}
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
local id = ARGV[1]
local nl, nt, nb = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tok_delta = tonumber(ARGV[5])
for j = 1, nl do redis.call('ZREM', KEYS[1 + j], id) end
if tok_delta ~= 0 and nt > 0 then
  local now = now_ms()
  for i = 1, nt do
    local key = KEYS[1 + nl + i]
    local at, debt = read_bucket(key)
    if at and debt then write_bucket(key, at, debt + tok_delta * tonumber(ARGV[6 + i]), now) end
  end
end
for k = 1, nb do
  local key = KEYS[1 + nl + nt + k]
  if redis.call('HGET', key, 'w') == ARGV[6 + nt + k] then
    if tok_delta ~= 0 then redis.call('HINCRBY', key, 'tok', ARGV[5]) end
    if tonumber(ARGV[6]) ~= 0 then redis.call('HINCRBYFLOAT', key, 'usd', ARGV[6]) end
  end
end
return 1
`);

/** KEYS: lease keys. ARGV: id, ttlMs. */
export const RENEW_SCRIPT = defineScript(`${LUA_COMMON}
local now, ttl = now_ms(), tonumber(ARGV[2])
for j = 1, #KEYS do
  local score = tonumber(redis.call('ZSCORE', KEYS[j], ARGV[1]) or '')
  if score and score > now then
    redis.call('ZADD', KEYS[j], 'XX', fmt(now + ttl), ARGV[1])
    if redis.call('PTTL', KEYS[j]) < ttl then redis.call('PEXPIRE', KEYS[j], ttl) end
  end
end
return 1
`);

/** KEYS: the window's sorted set. ARGV: limit, windowMs, unique member. Reply: allowed, remaining, retryAfterMs. */
export const SLIDING_WINDOW_SCRIPT = defineScript(`${LUA_COMMON}
local now = now_ms()
local limit, win = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - win))
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return { 0, 0, fmt(tonumber(oldest[2]) + win - now) }
end
redis.call('ZADD', KEYS[1], fmt(now), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(win))
return { 1, limit - n - 1, '0' }
`);

/** KEYS: the use counter. ARGV: ttlMs. Reply: uses so far, this one included. */
export const CONSUME_SCRIPT = defineScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`);

/** KEYS: the lock. ARGV: token. Compare-and-delete, so an expired-and-retaken lock is left alone. */
export const UNLOCK_SCRIPT = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * KEYS: the budget key, the generation key. ARGV: window code, tokens, usd, maxTokens|'', maxUsd|''. Sets the
 * counter for the current window and stamps it with the generation and limits it was built for; a no-op (reply 0)
 * when it already carries that stamp. Reply 2 when the generation key is missing.
 */
export const REBUILD_SCRIPT = defineScript(`${LUA_COMMON}${LUA_WINDOW_KEY}
local gen = redis.call('GET', KEYS[2])
if not gen then return 2 end
local built = gen .. ':' .. ARGV[4] .. '/' .. ARGV[5]
if redis.call('HGET', KEYS[1], 'g') == built then return 0 end
local now = now_ms()
redis.call('HSET', KEYS[1], 'w', window_key(ARGV[1], now), 'tok', ARGV[2], 'usd', ARGV[3], 'g', built)
expire_budget(KEYS[1], ARGV[1])
return 1
`);

/**
 * KEYS: the generation key. ARGV: the server's run id, a random suffix. The generation names the Redis run it
 * started on; a restart (new run id) or a flush (key gone) starts a new one, which makes every budget counter
 * stale until rebuilt. Only the first caller after a restart changes it. Reply: the current generation.
 */
export const GENERATION_SCRIPT = defineScript(`
local gen = redis.call('GET', KEYS[1])
local run = ARGV[1] .. ':'
if not gen or string.sub(gen, 1, #run) ~= run then
  gen = run .. ARGV[2]
  redis.call('SET', KEYS[1], gen)
end
return gen
`);
