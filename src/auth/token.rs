//! Access tokens: HS256 JWTs carrying the user id, a random token id (`jti`) and the user's
//! token generation.
//!
//! Logout records the `jti` as revoked until the token would have expired anyway. A password
//! change bumps the user's generation, which revokes every token issued before it at once.
//!
//! A client sends the same token with every request, so the claims of tokens whose signature
//! checked out are remembered (by the whole token string, up to [`VERIFIED_CAP`] of them):
//! the next request with that token skips the base64, JSON and HMAC work, which was about a
//! tenth of the server's CPU on a token read. Expiry is checked on every use, and revocation
//! (logout, password change, a deleted account) is checked against the store on every
//! request as before, so remembering a signature changes no answer.

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::store::Record;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub jti: String,
    #[serde(rename = "gen")]
    pub generation: u32,
    pub iat: u64,
    pub exp: u64,
}

impl Claims {
    pub fn user_id(&self) -> ApiResult<u64> {
        self.sub.parse().map_err(|_| ApiError::unauthorized("invalid token"))
    }
    pub fn token_id(&self) -> ApiResult<u64> {
        self.jti.parse().map_err(|_| ApiError::unauthorized("invalid token"))
    }
}

/// A logged-out token, kept until its expiry. Keyed by the token's `jti`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RevokedToken {
    pub jti: u64,
    pub expires_at_s: u64,
}

impl Record for RevokedToken {
    const TABLE: &'static str = "revoked_tokens";
    const VERSION: u8 = 1;
    const LOGGED: bool = false;
    fn id(&self) -> u64 {
        self.jti
    }
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_s: u64,
    /// Tokens whose signature checked out, and their claims.
    verified: Mutex<HashMap<Box<str>, Claims>>,
}

/// How many verified tokens are remembered; past it the memory is emptied and refills with
/// the tokens in use (a shop has a few dozen people logged in at once).
pub const VERIFIED_CAP: usize = 4096;

pub fn now_s() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Tokens {
    pub fn new(secret: &[u8], ttl_s: u64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        // An expired token is expired: no grace period.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_s,
            verified: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl_s(&self) -> u64 {
        self.ttl_s
    }

    /// A new token for `user_id` at `generation`, and its claims.
    pub fn issue(&self, user_id: u64, generation: u32) -> ApiResult<(String, Claims)> {
        let iat = now_s();
        let claims = Claims {
            sub: user_id.to_string(),
            jti: rand::random::<u64>().to_string(),
            generation,
            iat,
            exp: iat + self.ttl_s,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, claims))
    }

    /// The claims of a token whose signature and expiry check out.
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        let known = self.verified.lock().ok().and_then(|v| v.get(token).cloned());
        if let Some(claims) = known {
            // jsonwebtoken's own rule with no leeway: expired once now is past `exp`.
            if claims.exp < now_s() {
                return Err(expired());
            }
            return Ok(claims);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => expired(),
                _ => ApiError::unauthorized("invalid token"),
            })?;
        if let Ok(mut v) = self.verified.lock() {
            if v.len() >= VERIFIED_CAP {
                v.clear();
            }
            v.insert(token.into(), claims.clone());
        }
        Ok(claims)
    }
}

fn expired() -> ApiError {
    ApiError::unauthorized("the token has expired; log in again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_and_verifies_and_refuses_tampering() {
        let t = Tokens::new(b"secret-secret-secret-secret-1234", 60);
        let (tok, claims) = t.issue(42, 3).unwrap();
        let back = t.verify(&tok).unwrap();
        assert_eq!((back.user_id().unwrap(), back.generation), (42, 3));
        assert_eq!(back.jti, claims.jti);
        let other = Tokens::new(b"another-secret-another-secret-12", 60);
        assert!(other.verify(&tok).is_err());
        let mut chars: Vec<char> = tok.chars().collect();
        let mid = chars.len() / 2;
        chars[mid] = if chars[mid] == 'a' { 'b' } else { 'a' };
        assert!(t.verify(&chars.into_iter().collect::<String>()).is_err());
    }

    #[test]
    fn a_remembered_token_still_expires_and_a_tampered_one_is_still_refused() {
        let t = Tokens::new(b"secret-secret-secret-secret-1234", 60);
        let (tok, _) = t.issue(7, 0).unwrap();
        assert!(t.verify(&tok).is_ok());
        assert!(t.verify(&tok).is_ok(), "the second time comes from memory");
        // Same claims, another signature: not the remembered string, so checked, refused.
        let forged = format!("{}x", &tok[..tok.len() - 1]);
        assert!(t.verify(&forged).is_err());
        // Expiry is checked on every use of a remembered token.
        let mut claims = t.verify(&tok).unwrap();
        claims.exp = now_s() - 1;
        t.verified.lock().unwrap().insert(tok.as_str().into(), claims);
        let e = t.verify(&tok).unwrap_err();
        assert!(e.message.contains("expired"), "{}", e.message);
        // The memory stays bounded.
        for i in 0..(VERIFIED_CAP + 10) as u64 {
            let (tok, _) = t.issue(i, 0).unwrap();
            t.verify(&tok).unwrap();
        }
        assert!(t.verified.lock().unwrap().len() <= VERIFIED_CAP);
    }
}
