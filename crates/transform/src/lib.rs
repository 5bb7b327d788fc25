//! JumpCloud JSON → typed Assets attribute values (placeholder until the transformer lands).
