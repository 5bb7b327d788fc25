//! JumpCloud API models (v1 `/api/...`, v2 `/api/v2/...`).
//!
//! Records themselves stay as JSON: mappings address arbitrary fields, custom attributes
//! included, so typing them would lose data. What is typed here is the envelope, and the
//! [`Collection`] table: what each collection an import can read is, per the vendor spec.

use serde::{Deserialize, Serialize};

mod collection;
mod fields;

pub use collection::{
    by_name, ApiVersion, Collection, DynamicField, DynamicSource, Field, FieldType, FilterSyntax,
};

/// JumpCloud API regions and their console hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Region {
    /// `console.jumpcloud.com`
    Us,
    /// `console.eu.jumpcloud.com`
    Eu,
    /// `console.in.jumpcloud.com`
    In,
}

impl Region {
    /// The API base URL for this region.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Us => "https://console.jumpcloud.com",
            Self::Eu => "https://console.eu.jumpcloud.com",
            Self::In => "https://console.in.jumpcloud.com",
        }
    }

    /// Parses `US`, `EU` or `IN` (any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "US" => Some(Self::Us),
            "EU" => Some(Self::Eu),
            "IN" => Some(Self::In),
            _ => None,
        }
    }
}

/// A v1 list response: `{totalCount, results}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V1List {
    /// Number of records that match, across all pages.
    #[serde(default)]
    pub total_count: u64,
    /// Records on this page.
    #[serde(default)]
    pub results: Vec<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert_eq!(Region::parse("eu"), Some(Region::Eu));
        assert_eq!(Region::parse("moon"), None);
        assert_eq!(Region::In.base_url(), "https://console.in.jumpcloud.com");
    }
}
