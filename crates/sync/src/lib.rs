//! Sync planner and engine (placeholder until the planner lands).
