//! Jira platform REST v3 models the product reads beside Assets.

use serde::{Deserialize, Serialize};

/// An element of `GET /rest/api/3/user/search` (`User`), reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The Atlassian account id: what Assets User attributes hold.
    pub account_id: String,
    /// `atlassian` for people; `app` and `customer` accounts are not matched by email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// The email, unless the user's privacy settings hide it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
}
