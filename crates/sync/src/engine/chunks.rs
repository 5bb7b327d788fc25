//! Lists kept in the store in chunks: what a run carries between slices (its source records,
//! resolved lookups, what is left of its plan), the Jira user cache, and a run's per-record
//! results.
//!
//! Each chunk is a JSON array of at most [`CHUNK_BYTES`], stored deflated: a JSON string of
//! [`DEFLATED`] and the deflated array in base64 (hosts still store JSON text). Forge KVS counts its quota in 10 KB units of what is sent, and these lists are
//! most of what a large run stores: at 100k users about 20,000 units as JSON (whose quotes the
//! store escapes once more, as the value is a string), against 4,000 a minute. Records repeat
//! their field names and shapes, so deflate takes them to a fifth or less, base64 included;
//! automerge's columnar chunks are deflated for the same reason. A chunk that would not get
//! shorter is stored as its JSON text, and both forms are read.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::storage::{stored_len, Storage};
use super::store::CHUNK_BYTES;
use crate::error::StorageError;
use crate::host::SyncHost;

/// What the string a deflated chunk is stored as starts with (a chunk stored as its JSON is
/// an array).
pub(crate) const DEFLATED: &str = "deflate;base64:";

/// The fastest level: on these lists it gives nearly all of what the slowest does, and
/// a 100k-user run deflates about 200 MB.
const LEVEL: u8 = 1;

/// The most a stored chunk inflates to: a chunk holds at most [`CHUNK_BYTES`], or one item
/// larger than that on its own; anything bigger is not a chunk this code stored.
const MAX_INFLATED: usize = 64 * 1024 * 1024;

/// The stored form of one chunk's JSON text: deflated, as the JSON string `"{DEFLATED}…"`,
/// when that is shorter as the store counts it, else the text itself.
pub(crate) fn encode(json: &str) -> Cow<'_, str> {
    let deflated = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), LEVEL);
    let mut stored = String::with_capacity(DEFLATED.len() + deflated.len().div_ceil(3) * 4 + 2);
    stored.push('"');
    stored.push_str(DEFLATED);
    BASE64.encode_string(&deflated, &mut stored);
    stored.push('"');
    if stored_len(&stored) < stored_len(json) {
        Cow::Owned(stored)
    } else {
        Cow::Borrowed(json)
    }
}

/// The JSON text of a stored chunk, in either form.
pub(crate) fn decode(stored: &str) -> Result<Cow<'_, str>, String> {
    let deflated_string = stored
        .strip_prefix('"')
        .and_then(|s| s.strip_prefix(DEFLATED))
        .and_then(|s| s.strip_suffix('"'));
    let Some(base64) = deflated_string else {
        return Ok(Cow::Borrowed(stored));
    };
    let deflated = BASE64
        .decode(base64)
        .map_err(|e| format!("a deflated chunk is not base64 ({e})"))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED)
        .map_err(|e| format!("a deflated chunk does not inflate ({e})"))?;
    String::from_utf8(json)
        .map(Cow::Owned)
        .map_err(|_| "a deflated chunk is not UTF-8 text".to_string())
}

/// Stores `items` as they come, in chunks numbered from `first` (each item is serialized
/// once, and only one chunk's text is held), kept for `ttl_ms` when given; returns how many
/// items each stored chunk holds (`first + sizes.len()` is the next free number).
pub(crate) async fn save<H: SyncHost, T: Serialize>(
    storage: &Storage<'_, H>,
    key: impl Fn(u32) -> String,
    first: u32,
    ttl_ms: Option<f64>,
    items: impl Iterator<Item = T>,
) -> Result<Vec<u32>, StorageError> {
    let mut sizes: Vec<u32> = Vec::new();
    let mut chunk = String::from("[");
    let mut count = 0u32;
    for item in items.map(Some).chain([None]) {
        let text = match &item {
            Some(item) => {
                Some(serde_json::to_string(item).map_err(|e| StorageError::new(e.to_string()))?)
            }
            None => None,
        };
        let full = match &text {
            Some(text) => chunk.len() + text.len() + 2 > CHUNK_BYTES,
            None => true,
        };
        if count > 0 && full {
            chunk.push(']');
            let stored = encode(&chunk);
            storage.note_encoded(chunk.len(), stored.len());
            let key = key(first + sizes.len() as u32);
            match ttl_ms {
                Some(ttl_ms) => storage.set_expiring(&key, &stored, ttl_ms).await?,
                None => storage.set(&key, &stored).await?,
            }
            sizes.push(count);
            count = 0;
            chunk.truncate(1);
        }
        if let Some(text) = text {
            if count > 0 {
                chunk.push(',');
            }
            chunk.push_str(&text);
            count += 1;
        }
    }
    Ok(sizes)
}

/// Learns what share of their JSON size chunks of `items` take stored, from the first
/// chunk's worth of them, when no chunk was stored yet: what storing the rest of a slice's
/// lists will take is estimated from it.
pub(crate) fn sample<H: SyncHost, T: Serialize>(
    storage: &Storage<'_, H>,
    items: impl Iterator<Item = T>,
) {
    if storage.knows_stored_share() {
        return;
    }
    let mut chunk = String::from("[");
    for item in items {
        if chunk.len() >= CHUNK_BYTES {
            break;
        }
        if chunk.len() > 1 {
            chunk.push(',');
        }
        // A value serde refuses is left out of the sample (storing it fails on its own).
        if let Ok(text) = serde_json::to_string(&item) {
            chunk.push_str(&text);
        }
    }
    if chunk.len() > 1 {
        chunk.push(']');
        storage.note_encoded(chunk.len(), encode(&chunk).len());
    }
}

/// The items of the chunk stored at `key` (`None`: there is none).
pub(crate) async fn load<H: SyncHost, T: DeserializeOwned>(
    storage: &Storage<'_, H>,
    key: &str,
) -> Result<Option<Vec<T>>, StorageError> {
    let Some(stored) = storage.get(key).await? else {
        return Ok(None);
    };
    let json = decode(&stored).map_err(|e| StorageError::new(format!("{key}: {e}")))?;
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|e| StorageError::new(format!("{key}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_records_is_stored_deflated_in_a_fraction_of_its_json_and_reads_back_the_same() {
        let records: Vec<serde_json::Value> = (0..600)
            .map(|i| {
                let department = ["Sales", "IT", "Finance"][i % 3];
                serde_json::json!({
                    "kind": "create",
                    "key": format!("5f{i:022x}"),
                    "label": format!("User {i}"),
                    "changes": [
                        {"attribute": "Name", "new": [format!("User {i}")]},
                        {"attribute": "Email", "new": [format!("user.{i}@example.com")]},
                        {"attribute": "Department", "new": [department]},
                    ],
                })
            })
            .collect();
        let json = serde_json::to_string(&records).unwrap();
        let stored = encode(&json);
        assert!(stored.starts_with(&format!("\"{DEFLATED}")));
        let _: String = serde_json::from_str(&stored).expect("stored as a JSON string");
        assert!(
            stored.len() * 4 < stored_len(&json),
            "{} of {}",
            stored.len(),
            stored_len(&json)
        );
        assert_eq!(decode(&stored).unwrap(), json);
    }

    #[test]
    fn a_chunk_that_would_not_get_shorter_is_stored_as_its_json_and_both_forms_are_read() {
        let json = r#"["a"]"#;
        assert_eq!(encode(json), json);
        assert_eq!(decode(json).unwrap(), json);
    }

    #[test]
    fn a_damaged_deflated_chunk_is_an_error_that_says_what_is_wrong() {
        let not_base64 = format!("\"{DEFLATED}***\"");
        assert!(decode(&not_base64).unwrap_err().contains("not base64"));
        let not_deflate = format!(
            "\"{DEFLATED}{}\"",
            BASE64.encode(b"plain text, not deflate")
        );
        assert!(decode(&not_deflate)
            .unwrap_err()
            .contains("does not inflate"));
    }
}
