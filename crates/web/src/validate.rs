//! Input limits on free text, with errors naming the field.

use crate::error::{ApiError, ApiResult};

pub const EMAIL_MAX: usize = 254;
pub const NAME_MAX: usize = 100;
pub const NOTES_MAX: usize = 2000;
pub const PASSWORD_MIN: usize = 10;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const PASSWORD_MAX: usize = 1024;

/// Trimmed text of 1..=max characters, with no control characters.
pub fn required_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    optional_text(field, v, max)
}

/// Trimmed text of at most `max` characters (newlines and tabs allowed).
pub fn optional_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n > max {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be at most {max} characters (got {n})"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_string())
}

pub fn email(value: &str) -> ApiResult<String> {
    let v = value.trim().to_ascii_lowercase();
    if v.len() > EMAIL_MAX {
        return Err(ApiError::invalid(
            "email",
            format!("email must be at most {EMAIL_MAX} characters"),
        ));
    }
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if !ok {
        return Err(ApiError::invalid(
            "email",
            "email must look like name@example.org",
        ));
    }
    Ok(v)
}

pub fn password(value: &str) -> ApiResult<()> {
    let n = value.chars().count();
    if n < PASSWORD_MIN {
        return Err(ApiError::invalid(
            "password",
            format!("password must be at least {PASSWORD_MIN} characters (got {n})"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(ApiError::invalid(
            "password",
            format!("password must be at most {PASSWORD_MAX} characters"),
        ));
    }
    if is_common_password(value) {
        return Err(ApiError::invalid(
            "password",
            "that password is one of the most common ones, which guessers try first: choose another (a few unrelated words make a strong one)",
        ));
    }
    Ok(())
}

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// On the embedded list (any case), or one character repeated.
fn is_common_password(value: &str) -> bool {
    let v = value.trim().to_lowercase();
    let mut chars = v.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l.to_lowercase() == v)
}

/// A finite number within `lo..=hi`.
pub fn range(field: &str, v: f64, lo: f64, hi: f64, unit: &str) -> ApiResult<f64> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(v)
    } else {
        Err(ApiError::invalid(
            field,
            format!("{field} must be between {lo} and {hi} {unit} (got {v})"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_the_field() {
        assert_eq!(required_text("name", "  Ada ", NAME_MAX).unwrap(), "Ada");
        let e = required_text("name", &"x".repeat(101), NAME_MAX).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("name"));
        assert!(required_text("name", "  ", NAME_MAX).is_err());
        assert!(optional_text("notes", &"é".repeat(2000), NOTES_MAX).is_ok());
        assert!(optional_text("notes", &"é".repeat(2001), NOTES_MAX).is_err());
        assert!(optional_text("notes", "a\u{0}b", NOTES_MAX).is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ada@Example.org ").unwrap(), "ada@example.org");
        for bad in ["ada", "@x.org", "a@b", "a b@c.org", "a@.org", "a@b@c.org"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(email(&long).unwrap_err().field.as_deref(), Some("email"));
    }

    #[test]
    fn ranges() {
        assert!(range("m", 120.0, 0.0, 120.0, "min").is_ok());
        assert!(range("m", 120.1, 0.0, 120.0, "min").is_err());
        assert!(range("m", f64::NAN, 0.0, 120.0, "min").is_err());
        assert!(range("m", -0.5, 0.0, 120.0, "min").is_err());
    }
}
