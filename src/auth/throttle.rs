//! Login throttling: after too many failed logins for one username, or from one address,
//! within a window, further attempts for that username or address get 429 until the oldest
//! failure leaves the window.
//!
//! Kept in memory: a restart forgets it, which only ever favours the person who just lost
//! access, and nothing of it needs to survive in the data file.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const PER_USERNAME: usize = 5;
pub const PER_ADDRESS: usize = 20;
/// Beyond this many tracked keys, empty ones are swept (bounds the memory an attacker can
/// make us hold by trying many usernames).
const SWEEP_ABOVE: usize = 10_000;

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

#[derive(Hash, PartialEq, Eq, Clone)]
enum Key {
    User(String),
    Addr(IpAddr),
}

impl Throttle {
    /// `Err(seconds)` to wait when either the username or the address is over its limit.
    pub fn check(&self, username: &str, addr: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0;
        for (key, limit) in
            [(Key::User(username.to_owned()), PER_USERNAME), (Key::Addr(addr), PER_ADDRESS)]
        {
            if let Some(q) = map.get_mut(&key) {
                prune(q, now);
                if q.len() >= limit
                    && let Some(oldest) = q.front()
                {
                    let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn failed(&self, username: &str, addr: IpAddr) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, q| {
                prune(q, now);
                !q.is_empty()
            });
        }
        for key in [Key::User(username.to_owned()), Key::Addr(addr)] {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// A successful login clears the username's failures (not the address's).
    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Key::User(username.to_owned()));
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_usernames_and_addresses_separately() {
        let t = Throttle::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..PER_USERNAME {
            assert!(t.check("ana", a).is_ok());
            t.failed("ana", a);
        }
        assert!(t.check("ana", a).unwrap_err() > 0);
        assert!(t.check("ana", b).is_err(), "the username is throttled from any address");
        assert!(t.check("bob", a).is_ok(), "another username from the same address is not");
        for i in 0..PER_ADDRESS {
            t.failed(&format!("u{i}"), b);
        }
        assert!(t.check("zoe", b).is_err());
        assert!(t.check("zoe", a).is_ok());
        t.succeeded("ana");
        assert!(t.check("ana", a).is_ok());
    }
}
