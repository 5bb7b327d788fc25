//! Readers for Assets default-type values. The validator uses them to reject constants that can
//! never fit an attribute; the transformer uses the same readers for record values, so both
//! agree on what is valid. Each returns the canonical text or a message saying what is wrong.

use std::net::IpAddr;

use tributary_models::assets::DefaultType;

use crate::datetime;

/// Reads an Assets Integer (32-bit): `42`, `-7`, `42.0`, ` 1_000 `.
pub fn integer(text: &str) -> Result<i32, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    if let Ok(n) = cleaned.parse::<i64>() {
        return i32::try_from(n)
            .map_err(|_| format!("{n} is outside the Integer range -2147483648..2147483647"));
    }
    match cleaned.parse::<f64>() {
        Ok(f)
            if f.fract() == 0.0
                && f.is_finite()
                && f >= f64::from(i32::MIN)
                && f <= f64::from(i32::MAX) =>
        {
            Ok(f as i32)
        }
        Ok(f) if f.is_finite() && f.fract() != 0.0 => {
            Err(format!("{cleaned} is not a whole number"))
        }
        _ => Err(format!("'{}' is not a whole number", text.trim())),
    }
}

/// Reads an Assets Double; the canonical text is the shortest form that reads back the same.
pub fn double(text: &str) -> Result<f64, String> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    match cleaned.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(if f == 0.0 { 0.0 } else { f }),
        _ => Err(format!("'{}' is not a number", text.trim())),
    }
}

/// Reads a Boolean: true/false, yes/no, on/off, 1/0 (any case).
pub fn boolean(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" => Ok(true),
        "false" | "no" | "n" | "off" | "0" => Ok(false),
        _ => Err(format!("'{}' is not true or false", text.trim())),
    }
}

/// Reads an email address; the domain is lower-cased (the local part keeps its case).
pub fn email(text: &str) -> Result<String, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not an email address");
    let (local, domain) = text.rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    // Assets refuses a second `@` and quotes, so a quoted local part is no address here either.
    let local_ok =
        !local.is_empty() && !local.contains(|c: char| c.is_whitespace() || c == '@' || c == '"');
    if !local_ok || !domain_ok {
        return Err(bad());
    }
    // Every record's email comes through here: one allocation, the domain lower-cased in it.
    let mut address = String::with_capacity(text.len());
    address.push_str(local);
    address.push('@');
    if domain.is_ascii() {
        address.push_str(domain);
        address[local.len() + 1..].make_ascii_lowercase();
    } else {
        address.push_str(&domain.to_lowercase());
    }
    Ok(address)
}

/// Reads a URL; Assets takes only `http://` and `https://` ones. Scheme and host are
/// lower-cased.
pub fn url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not a URL (Assets takes http:// and https:// ones)");
    let (scheme, rest) = text.split_once("://").ok_or_else(bad)?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    if !scheme_ok || !web || rest.is_empty() || text.contains(char::is_whitespace) {
        return Err(bad());
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Ok(format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        rest[..host_end].to_lowercase(),
        &rest[host_end..]
    ))
}

/// The most characters an Assets Text value holds (Textarea has no limit).
pub const MAX_TEXT_CHARS: usize = 255;

/// Reads a Text value: trimmed, at most [`MAX_TEXT_CHARS`] characters.
pub fn text(text: &str) -> Result<String, String> {
    let text = text.trim();
    // No more bytes than the limit means no more characters: most values are not counted.
    let chars = if text.len() <= MAX_TEXT_CHARS {
        0
    } else {
        text.chars().count()
    };
    if chars > MAX_TEXT_CHARS {
        let start: String = text.chars().take(20).collect();
        return Err(format!(
            "'{start}…' has {chars} characters; an Assets Text value holds at most {MAX_TEXT_CHARS} (a Textarea attribute holds more)"
        ));
    }
    Ok(text.to_string())
}

/// Reads an IPv4 or IPv6 address; IPv6 comes out in its compressed form.
pub fn ip_address(text: &str) -> Result<String, String> {
    text.trim()
        .parse::<IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| format!("'{}' is not an IP address", text.trim()))
}

/// The canonical text of `text` as a value of a default type, or why it cannot be one.
/// Select values are checked by the caller, which knows the options.
pub fn canonical(kind: DefaultType, text: &str) -> Result<String, String> {
    match kind {
        DefaultType::Integer => integer(text).map(|n| n.to_string()),
        DefaultType::Double => double(text).map(|f| f.to_string()),
        DefaultType::Boolean => boolean(text).map(|b| b.to_string()),
        DefaultType::Date => read_moment(text).and_then(|m| {
            m.date_text()
                .ok_or_else(|| format!("'{}' has no date", text.trim()))
        }),
        DefaultType::Time => read_moment(text).and_then(|m| {
            m.time_text()
                .ok_or_else(|| format!("'{}' has no time", text.trim()))
        }),
        DefaultType::DateTime => read_moment(text).and_then(|m| {
            m.datetime_text()
                .ok_or_else(|| format!("'{}' has no date", text.trim()))
        }),
        DefaultType::Url => url(text),
        DefaultType::Email => email(text),
        DefaultType::IpAddress => ip_address(text),
        // Text keeps inner whitespace but not the surrounding one; Textarea also unifies line ends.
        DefaultType::Textarea => Ok(text.replace("\r\n", "\n").trim().to_string()),
        DefaultType::Text => self::text(text),
        DefaultType::Select | DefaultType::Other(_) => Ok(text.trim().to_string()),
    }
}

fn read_moment(text: &str) -> Result<datetime::Moment, String> {
    datetime::parse_iso(text).map_err(|e| {
        let text = text.trim();
        // The reader's detail helps with near-misses such as 2023-02-29, not with free text.
        let detail = if text.starts_with(|c: char| c.is_ascii_digit()) { format!(" ({e})") } else { String::new() };
        format!("'{text}' is not an ISO 8601 date/time such as 2024-03-01T09:30:00Z{detail}; add |parseDate=... for other formats")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_are_stable() {
        assert_eq!(canonical(DefaultType::Integer, " 42.0 ").unwrap(), "42");
        assert!(canonical(DefaultType::Integer, "4.5").is_err());
        assert!(canonical(DefaultType::Integer, "99999999999")
            .unwrap_err()
            .contains("range"));
        assert_eq!(canonical(DefaultType::Double, "1.50").unwrap(), "1.5");
        assert_eq!(canonical(DefaultType::Double, "2").unwrap(), "2");
        assert_eq!(canonical(DefaultType::Boolean, "Yes").unwrap(), "true");
        assert_eq!(
            canonical(DefaultType::Email, "Ann@Example.COM").unwrap(),
            "Ann@example.com"
        );
        assert!(canonical(DefaultType::Email, "ann at example").is_err());
        assert_eq!(
            canonical(DefaultType::Email, " Zoë@BÜRO.Example.de ").unwrap(),
            "Zoë@büro.example.de"
        );
        let longest = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(canonical(DefaultType::Text, &longest).unwrap(), longest);
        let error = canonical(DefaultType::Text, &format!("{longest}x")).unwrap_err();
        assert!(error.contains("has 256 characters"), "{error}");
        assert_eq!(
            canonical(DefaultType::Url, "HTTPS://Example.com/A").unwrap(),
            "https://example.com/A"
        );
        assert_eq!(
            canonical(DefaultType::IpAddress, "2001:db8:0:0:0:0:0:1").unwrap(),
            "2001:db8::1"
        );
        assert_eq!(
            canonical(DefaultType::DateTime, "2024-01-02T03:04:05.000Z").unwrap(),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            canonical(DefaultType::Date, "2024-01-02T23:04:05-05:00").unwrap(),
            "2024-01-02"
        );
        assert_eq!(
            canonical(DefaultType::Textarea, "a\r\nb \n").unwrap(),
            "a\nb"
        );
        for (kind, text) in [
            (DefaultType::Double, "1e3"),
            (DefaultType::DateTime, "2024-06-01T10:00:00+02:00"),
        ] {
            let once = canonical(kind, text).unwrap();
            assert_eq!(canonical(kind, &once).unwrap(), once);
        }
    }
}
