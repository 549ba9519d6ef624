//! The Lua scripts that keep slot leases in Redis. Each touches one key (a sorted set of slot IDs
//! scored by lease end), so a script is atomic and each key's `{hash tag}` keeps it in one Redis
//! Cluster slot. Time is Redis server time (`TIME`), so replicas' clocks never matter.

/// `KEYS[1]` the set; `ARGV` limit, `lease_ms`, slot ID. Drops ended leases, then adds the slot
/// if fewer than `limit` are held. Returns 1 (taken) or 0 (full).
pub const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease)
return 1
";

/// `KEYS[1]` the set; `ARGV` `lease_ms`, then slot IDs. Drops ended leases, then extends the
/// given slots that are still held (`XX`: a lease that ended is never brought back, so renewal
/// cannot raise a count). Returns how many were extended.
pub const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local kept = 0
for i = 2, #ARGV do
  kept = kept + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[i])
end
if redis.call('ZCARD', KEYS[1]) > 0 then
  redis.call('PEXPIRE', KEYS[1], lease)
end
return kept
";

/// The set holding an account's slots; the `{…}` hash tag keeps it in one cluster slot.
pub fn account_key(account: &str) -> String {
    format!("eligibility-gateway:{{account:{account}}}:slots")
}

/// The set holding a connector's slots.
pub fn connector_key(connector: &str) -> String {
    format!("eligibility-gateway:{{connector:{connector}}}:slots")
}
