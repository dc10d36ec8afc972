//! Access tokens: HS256 JWTs carrying the user id, a random token id (`jti`) and the user's
//! token generation.
//!
//! Logout records the `jti` as revoked until the token would have expired anyway. A password
//! change bumps the user's generation, which revokes every token issued before it at once.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::store::Record;

#[derive(Debug, Serialize, Deserialize)]
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
}

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
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::unauthorized("the token has expired; log in again")
                }
                _ => ApiError::unauthorized("invalid token"),
            })
    }
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
}
