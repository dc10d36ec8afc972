//! Password hashing with argon2id.
//!
//! A hash costs tens of milliseconds of one core and `m_kib` of memory by design. Hashes run
//! on their own threads (`barrio-hash`, one fewer than the cores, at least one), never on
//! the async runtime or its blocking pool:
//!
//! - each thread allocates its argon2 memory once and reuses it, so a burst of logins costs
//!   `threads × m_kib` of memory, not one fresh allocation per login spread over the
//!   allocator's per-thread arenas (that is what made a 50-login burst leave ~280 MiB of
//!   resident memory behind);
//! - the threads run at a lower CPU priority (nice 10), so a burst of logins queues up
//!   behind itself while reads and writes keep their cores.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{ApiError, ApiResult};
use crate::workers::{Pool, cores};

/// The cost of a hash; the defaults are OWASP's minimum for argon2id.
#[derive(Debug, Clone, Copy)]
pub struct Argon2Settings {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Argon2Settings { m_kib: 19456, t: 2, p: 1 }
    }
}

/// How much lower than normal the hashing threads run (a Unix nice value).
const HASH_NICENESS: i32 = 10;

pub struct Passwords {
    argon: Arc<Argon2<'static>>,
    /// The hashing threads, each with its argon2 memory.
    hashers: Pool<Vec<Block>>,
    /// A hash of a random password, verified against when the username is unknown, so that
    /// "no such user" takes as long as "wrong password". Made on a hashing thread with that
    /// thread's memory (a second argon2 buffer just for it stayed resident: ~19 MiB).
    decoy: Arc<OnceLock<String>>,
}

impl Passwords {
    pub fn new(settings: Argon2Settings) -> anyhow::Result<Passwords> {
        let params = Params::new(settings.m_kib, settings.t, settings.p, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 settings: {e}"))?;
        let blocks = params.block_count();
        let argon = Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params));
        let hashers = Pool::start("barrio-hash", cores().saturating_sub(1).max(1), move || {
            // Linux keeps a nice value per thread: this lowers only this one. Failing to is
            // harmless (the hash just competes at normal priority).
            let tid = rustix::thread::gettid();
            if let Err(e) = rustix::process::setpriority_process(Some(tid), HASH_NICENESS) {
                tracing::debug!("cannot lower the hashing thread's priority: {e}");
            }
            vec![Block::default(); blocks]
        })?;
        let decoy = Arc::new(OnceLock::new());
        let (d, a) = (decoy.clone(), argon.clone());
        hashers
            .spawn(move |memory| {
                decoy_hash(&d, &a, memory);
            })
            .map_err(|_| anyhow::anyhow!("the hashing threads did not start"))?;
        Ok(Passwords { argon, hashers, decoy })
    }

    /// The PHC string of a new hash of `password`.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        let argon = self.argon.clone();
        self.run(move |memory| hash_with(&argon, password.as_bytes(), memory))
            .await?
            .map_err(ApiError::internal)
    }

    /// Whether `password` matches `hash`; with no hash (unknown user), checks a decoy and
    /// answers false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> ApiResult<bool> {
        let known = hash.is_some();
        let (decoy, argon) = (self.decoy.clone(), self.argon.clone());
        let ok = self
            .run(move |memory| {
                let hash = hash.unwrap_or_else(|| decoy_hash(&decoy, &argon, memory).to_owned());
                verify_with(password.as_bytes(), &hash, memory)
            })
            .await?;
        Ok(ok && known)
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> ApiResult<T> {
        self.hashers.run(f).await.map_err(|_| ApiError::internal("a password hash failed"))
    }
}

/// The decoy hash, made on first use (the pool makes it as its first task at start-up; a
/// verify on another thread meanwhile waits for it).
fn decoy_hash<'a>(
    decoy: &'a OnceLock<String>,
    argon: &Argon2<'_>,
    memory: &mut [Block],
) -> &'a str {
    decoy.get_or_init(|| {
        let password: [u8; 16] = rand::random();
        hash_with(argon, &password, memory).unwrap_or_else(|e| {
            // Unreachable with parameters that `Params::new` accepted; an empty decoy only
            // makes unknown users answer faster.
            tracing::error!("cannot make the decoy password hash: {e}");
            String::new()
        })
    })
}

/// A new random salt, the hash of `password` with `argon`, as a PHC string.
fn hash_with(argon: &Argon2<'_>, password: &[u8], memory: &mut [Block]) -> anyhow::Result<String> {
    let salt: [u8; 16] = rand::random();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let blocks = argon.params().block_count();
    let memory = memory.get_mut(..blocks).ok_or_else(|| anyhow::anyhow!("argon2 memory"))?;
    argon.hash_password_into_with_memory(password, &salt, &mut out, memory).map_err(err)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(err)?,
        salt: Some(Salt::new(&salt).map_err(err)?),
        hash: Some(Output::new(&out).map_err(err)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to the PHC string `hash`, with the parameters written in it
/// (older hashes may have other costs than today's settings). Compares in constant time.
fn verify_with(password: &[u8], hash: &str, memory: &mut [Block]) -> bool {
    let mut check = || -> Option<bool> {
        let phc = PasswordHash::new(hash).ok()?;
        let (salt, expected) = (phc.salt.as_ref()?, phc.hash.as_ref()?);
        let algorithm = Algorithm::try_from(phc.algorithm.as_str()).ok()?;
        let version = match phc.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&phc).ok()?;
        let blocks = params.block_count();
        let argon = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        match memory.get_mut(..blocks) {
            Some(memory) => argon.hash_password_into_with_memory(password, salt, &mut out, memory),
            None => argon.hash_password_into(password, salt, &mut out),
        }
        .ok()?;
        Some(Output::new(&out).ok()? == *expected)
    };
    check().unwrap_or(false)
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("argon2: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_decoys_never_match() {
        let p = Passwords::new(Argon2Settings { m_kib: 64, t: 1, p: 1 }).unwrap();
        let h = p.hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("correct horse".into(), Some(h.clone())).await.unwrap());
        assert!(!p.verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!p.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_from_the_argon2_crate_still_verify_and_vice_versa() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let settings = Argon2Settings { m_kib: 256, t: 1, p: 1 };
        let p = Passwords::new(settings).unwrap();
        // A hash made by the crate's own API (as every hash before this module was), with
        // other costs than today's settings.
        let crate_argon =
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(512, 2, 1, None).unwrap());
        let old = crate_argon.hash_password(b"el coronel").unwrap().to_string();
        assert!(p.verify("el coronel".into(), Some(old.clone())).await.unwrap());
        assert!(!p.verify("el general".into(), Some(old)).await.unwrap());
        let new = p.hash("cien anos".into()).await.unwrap();
        let parsed = PasswordHash::new(&new).unwrap();
        assert!(crate_argon.verify_password(b"cien anos", &parsed).is_ok());
        assert!(!p.verify("cien años".into(), Some("not a phc string".into())).await.unwrap());
    }
}
