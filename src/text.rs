//! Parsing the free text people type: names, titles, notes. Shared by every domain so a
//! title means the same thing everywhere.

use crate::error::{ApiError, ApiResult};

/// One line of text: trimmed, 1 to `max` characters, no control characters.
pub fn line(field: &str, s: &str, max: usize) -> ApiResult<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ApiError::invalid(field, format!("{field} must not be empty")));
    }
    if s.chars().count() > max {
        return Err(ApiError::invalid(field, format!("{field} has at most {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, format!("{field} must be one line of text")));
    }
    Ok(s.to_owned())
}

/// Optional text of several lines: trimmed, empty means none, at most `max` characters.
pub fn text(field: &str, s: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if s.chars().count() > max {
        return Err(ApiError::invalid(field, format!("{field} has at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(ApiError::invalid(field, format!("{field} has control characters")));
    }
    Ok(Some(s.to_owned()))
}
