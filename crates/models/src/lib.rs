//! Request and response models for the two services Tributary talks to.
//!
//! The shapes follow the vendors' own specs in `shared/specs/`: the Assets REST API
//! (OpenAPI v1.135.77) and JumpCloud's v1/v2 APIs. Only the fields the product reads or writes
//! are typed; everything else is ignored on input so that new vendor fields never break a run.

pub mod assets;
pub mod jira;
pub mod jumpcloud;
