//! Password hashing with argon2id.
//!
//! A hash costs tens of milliseconds of one core by design. It runs on the blocking pool,
//! behind a semaphore that leaves at least one core to everything else, so a burst of logins
//! queues up behind itself instead of stalling every other request.

use std::sync::Arc;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

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

pub struct Passwords {
    argon: Arc<Argon2<'static>>,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the username is unknown, so that
    /// "no such user" takes as long as "wrong password".
    decoy: String,
}

impl Passwords {
    pub fn new(settings: Argon2Settings) -> anyhow::Result<Passwords> {
        let params = Params::new(settings.m_kib, settings.t, settings.p, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 settings: {e}"))?;
        let argon = Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let decoy_pw: [u8; 16] = rand::random();
        let decoy = argon
            .hash_password(&decoy_pw)
            .map_err(|e| anyhow::anyhow!("argon2 cannot hash: {e}"))?
            .to_string();
        Ok(Passwords {
            argon,
            permits: Arc::new(Semaphore::new(cores.saturating_sub(1).max(1))),
            decoy,
        })
    }

    /// The PHC string of a new hash of `password`.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        let argon = self.argon.clone();
        self.blocking(move || {
            argon
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(ApiError::internal)
        })
        .await?
    }

    /// Whether `password` matches `hash`; with no hash (unknown user), checks a decoy and
    /// answers false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> ApiResult<bool> {
        let argon = self.argon.clone();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.decoy.clone());
        let ok = self
            .blocking(move || argon.verify_password(password.as_bytes(), hash.as_str()).is_ok())
            .await?;
        Ok(ok && known)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)
    }
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
}
