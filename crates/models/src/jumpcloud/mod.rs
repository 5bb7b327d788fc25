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
    /// Every region, the default (US) first.
    pub const ALL: &'static [Region] = &[Region::Us, Region::Eu, Region::In];

    /// The region's code: `US`, `EU` or `IN`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Us => "US",
            Self::Eu => "EU",
            Self::In => "IN",
        }
    }

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
        let text = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(text))
    }
}

/// A v1 list response: `{totalCount, results}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct V1List {
    /// Number of records that match, across all pages (absent in some answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// Records on this page.
    #[serde(default)]
    pub results: Vec<serde_json::Value>,
}

/// An item of a v2 graph list: a `GraphConnection` (`/usergroups/{id}/members`, the other end
/// in `to`) or a `GraphObjectWithPaths` (traversals such as `/systems/{id}/users`, the object
/// itself at the top). Either way [`GraphEdge::target_id`] is the related object's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// `GraphObjectWithPaths`: the related object's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `GraphConnection`: the other end of the edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<GraphObject>,
}

impl GraphEdge {
    /// The related object's id (`to.id`, else `id`), if the item has one.
    pub fn target_id(self) -> Option<String> {
        self.to.map(|t| t.id).or(self.id)
    }
}

/// One end of a graph edge (`GraphObject`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphObject {
    /// Its id.
    pub id: String,
    /// Its type, e.g. `user` or `system`.
    #[serde(default, rename = "type")]
    pub kind: String,
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
