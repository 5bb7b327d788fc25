//! Why a run cannot go on: typed errors with a code from the diagnostic registry
//! ([`Code`], range E1xx), carrying the mapping's diagnostics when the mapping is the cause.

use serde::{Deserialize, Serialize};
use tributary_mapping::{Code, Diagnostic};

use crate::client::CallError;

/// A storage operation of the host failed (Forge KVS, the CLI's state directory).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{0}")]
pub struct StorageError(pub String);

/// The mapping text has errors: the run did not start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the mapping has errors: {}", summary(.diagnostics))]
pub struct MappingError {
    /// The error diagnostics (warnings left out), located in the text.
    pub diagnostics: Vec<Diagnostic>,
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("line {}, column {}: {}", d.line, d.column, d.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A run-level failure: the run stops, and its report says why with a stable code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The mapping has errors.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The mapping does not fit the resolved object type (unknown attribute, lookup on a
    /// plain attribute...).
    #[error("the mapping does not fit object type {object_type_id}: {}", summary(.diagnostics))]
    DoesNotFit {
        /// The object type checked against.
        object_type_id: String,
        /// What does not fit, located in the mapping text.
        diagnostics: Vec<Diagnostic>,
    },
    /// The options are invalid (an id with characters storage keys cannot hold).
    #[error("{0}")]
    InvalidOptions(String),
    /// The Jira site has no Assets workspace.
    #[error("this Jira site has no Assets workspace (Assets needs JSM Premium or Enterprise)")]
    NoWorkspace,
    /// Neither the mapping nor the options name the object type.
    #[error("no target object type: add config:objectType=<name or id> to the mapping or pass objectType")]
    NoTargetType,
    /// The object schema or type named does not exist, or the name is ambiguous.
    #[error("{0}")]
    TargetNotFound(String),
    /// The object type lacks the attribute named by the `key:` line.
    #[error("object type {object_type} has no attribute named {attribute:?} (the key: line)")]
    NoKeyAttribute {
        /// The object type as named.
        object_type: String,
        /// The key attribute's name.
        attribute: String,
    },
    /// `config:missing` names an attribute or status the object type does not have.
    #[error("{0}")]
    MissingPolicy(String),
    /// A service failed for good (refused, unreachable after retries, unreadable answer).
    #[error("{service}: {error}")]
    Service {
        /// `JumpCloud` or `Assets`.
        service: &'static str,
        /// What failed.
        error: CallError,
    },
    /// The host's storage failed.
    #[error("storage failed: {0}")]
    Storage(#[from] StorageError),
    /// No record could be written: each was refused or skipped (the reasons are in `errors`).
    #[error("none of the {failed} record(s) could be written (each was refused by Assets or skipped); the reasons are listed per record")]
    NothingWritten {
        /// Records that failed.
        failed: u64,
    },
}

impl RunError {
    /// The registry code of this failure.
    pub fn code(&self) -> Code {
        match self {
            RunError::Mapping(_) => Code::RunMappingErrors,
            RunError::DoesNotFit { .. } => Code::RunMappingDoesNotFit,
            RunError::InvalidOptions(_) => Code::RunInvalidOptions,
            RunError::NoWorkspace => Code::RunNoWorkspace,
            RunError::NoTargetType => Code::RunNoTargetType,
            RunError::TargetNotFound(_) => Code::RunTargetNotFound,
            RunError::NoKeyAttribute { .. } => Code::RunNoKeyAttribute,
            RunError::MissingPolicy(_) => Code::RunBadMissingPolicy,
            RunError::Service { .. } => Code::RunServiceFailed,
            RunError::Storage(_) => Code::RunStorageFailed,
            RunError::NothingWritten { .. } => Code::RunNothingWritten,
        }
    }

    /// The mapping diagnostics behind this failure, when the mapping is the cause.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            RunError::Mapping(e) => &e.diagnostics,
            RunError::DoesNotFit { diagnostics, .. } => diagnostics,
            _ => &[],
        }
    }

    /// A JumpCloud call that failed for good.
    pub fn jumpcloud(error: CallError) -> Self {
        RunError::Service {
            service: "JumpCloud",
            error,
        }
    }

    /// An Assets (or Jira) call that failed for good.
    pub fn assets(error: CallError) -> Self {
        RunError::Service {
            service: "Assets",
            error,
        }
    }
}

/// A run failure as data, in the run report and the stored run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFailure {
    /// Stable code, e.g. `E101`.
    pub code: Code,
    /// What happened, in one sentence.
    pub message: String,
    /// The mapping's diagnostics, when the mapping is the cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl From<&RunError> for RunFailure {
    fn from(error: &RunError) -> Self {
        RunFailure {
            code: error.code(),
            message: error.to_string(),
            diagnostics: error.diagnostics().to_vec(),
        }
    }
}
