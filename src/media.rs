//! Uploaded images: recognised by their content, never by a file name or a header the client
//! chose, and bounded in size.

use crate::error::{ApiError, ApiResult};

/// The largest image accepted (covers, post images).
pub const MAX_IMAGE: usize = 5 * 1024 * 1024;

/// The MIME type of a PNG, JPEG or WebP image, judged by its first bytes.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks an uploaded image for `field`: 413 when too large, 400 when not PNG/JPEG/WebP.
pub fn parse_image(field: &str, bytes: &[u8]) -> ApiResult<&'static str> {
    if bytes.len() > MAX_IMAGE {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("an image may be at most {} MiB", MAX_IMAGE / 1024 / 1024),
        )
        .with_field(field));
    }
    if bytes.is_empty() {
        return Err(ApiError::invalid(field, "the image is empty"));
    }
    sniff_image(bytes)
        .ok_or_else(|| ApiError::invalid(field, "the image must be a PNG, JPEG or WebP file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_images_by_content() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"hello, I am text.png"), None);
        assert_eq!(parse_image("image", b"").unwrap_err().field.as_deref(), Some("image"));
        let big = vec![0u8; MAX_IMAGE + 1];
        assert_eq!(parse_image("image", &big).unwrap_err().status.as_u16(), 413);
    }
}
