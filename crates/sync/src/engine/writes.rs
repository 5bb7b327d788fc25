//! The write phase: creates (referenced objects first, level by level), second-pass reference
//! updates (cycles only), updates, marks and deletes. Each kind keeps as many writes in flight
//! as its quota's rate times the answer time asks for, at most `concurrency` (default
//! [`MOST_WRITES_IN_FLIGHT`]); the client
//! paces them by the quota ([`crate::pace`]). A create whose outcome is uncertain is looked up
//! by its key value before it is sent again.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tributary_models::assets::{aql_quote, AttributeIn, AttributeValueIn, ObjectIn};

use super::pending::Step;
use super::store::RunState;
use super::{Engine, Stop};
use crate::client::CallError;
use crate::host::{LogLevel, SyncHost};
use crate::pace::Quota;
use crate::plan::{Change, Create, Level, Missing, Plan, Update, WriteValue};
use crate::report::RecordError;
use crate::source::Target;

/// Waits for the first of some futures to finish, removes it and gives its output.
async fn first_done<T>(futures: &mut Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> T {
    std::future::poll_fn(|cx: &mut Context<'_>| {
        for i in 0..futures.len() {
            if let Poll::Ready(output) = futures[i].as_mut().poll(cx) {
                drop(futures.swap_remove(i));
                return Poll::Ready(output);
            }
        }
        Poll::Pending
    })
    .await
}

/// Most writes in flight when the run's `concurrency` does not say. The quotas, not this,
/// bound the rate (the window follows the quota's rate × the answer time); 16 keeps Assets'
/// create quota (2,000 a minute) busy at answer times up to about 0.4 s, and Forge documents
/// no limit on `requestJira` calls in flight beyond the quotas. More would only wait on the
/// bucket and answer a 429 with more requests already sent.
pub const MOST_WRITES_IN_FLIGHT: usize = 16;

/// How often an uncertain create is checked and resent before it counts as failed.
const CREATE_ROUNDS: u32 = 4;

/// The outcome of one write.
enum Outcome {
    Created,
    Deferred,
    Updated,
    Marked,
    Deleted,
    Failed(String, RecordError),
    /// Not done within this invocation (rate-limited): the next invocation re-plans it.
    Postponed,
}

enum WriteOp<'p> {
    Create(&'p Create),
    Deferred(&'p Create),
    Update(&'p Update),
    Mark(&'p Missing),
    Delete(&'p Missing),
}

impl WriteOp<'_> {
    /// The quota the write counts against.
    fn quota(&self) -> Quota {
        match self {
            WriteOp::Create(_) => Quota::AssetsCreate,
            WriteOp::Deferred(_) | WriteOp::Update(_) | WriteOp::Mark(_) => Quota::AssetsUpdate,
            WriteOp::Delete(_) => Quota::AssetsDelete,
        }
    }
}

impl<H: SyncHost> Engine<'_, H> {
    /// Carries out a plan, counting outcomes into the run state.
    pub(super) async fn write(
        &self,
        state: &mut RunState,
        the_plan: &Plan,
        target: &Target,
    ) -> Result<(), Stop> {
        let mut ops: Vec<Vec<WriteOp<'_>>> = Vec::new();
        let max_level = the_plan.creates.iter().map(|c| c.level).max();
        for level in 0..=max_level.unwrap_or(0) {
            let batch: Vec<WriteOp<'_>> = the_plan
                .creates
                .iter()
                .filter(|c| c.level == level)
                .map(WriteOp::Create)
                .collect();
            if !batch.is_empty() {
                ops.push(batch);
            }
        }
        ops.push(the_plan.deferred().map(WriteOp::Deferred).collect());
        ops.push(the_plan.updates.iter().map(WriteOp::Update).collect());
        ops.push(the_plan.marks().map(WriteOp::Mark).collect());
        ops.push(the_plan.deletes().map(WriteOp::Delete).collect());
        for group in ops {
            // A window of writes in flight: a slow answer holds one slot, not a whole batch.
            // Each group (a reference level, then updates...) ends before the next. The window
            // follows the quota's rate and the answer times measured so far.
            let quota = group.first().map(WriteOp::quota);
            let cap = self
                .options
                .concurrency
                .map_or(MOST_WRITES_IN_FLIGHT, |_| self.concurrency);
            let mut pending = group.iter();
            let mut in_flight: Vec<Pin<Box<dyn Future<Output = Outcome> + '_>>> = Vec::new();
            let mut stopped = false;
            loop {
                let window = quota.map_or(cap, |q| self.client.in_flight(q, cap));
                while !stopped && in_flight.len() < window {
                    let Some(op) = pending.next() else { break };
                    if self.over_budget() {
                        stopped = true;
                        break;
                    }
                    in_flight.push(Box::pin(self.execute(op, target)));
                }
                if in_flight.is_empty() {
                    break;
                }
                let outcome = first_done(&mut in_flight).await;
                self.progress();
                let counts = &mut state.report.counts;
                if !matches!(outcome, Outcome::Postponed) {
                    state.report.progress.done += 1;
                }
                match outcome {
                    // Rate-limited past the deadline: what is in flight finishes, nothing starts.
                    Outcome::Postponed => stopped = true,
                    Outcome::Created => counts.created += 1,
                    Outcome::Deferred => {}
                    Outcome::Updated => counts.updated += 1,
                    Outcome::Marked => counts.marked += 1,
                    Outcome::Deleted => counts.deleted += 1,
                    Outcome::Failed(key, error) => {
                        counts.failed += 1;
                        state.failed_keys.insert(key);
                        state.report.add_error(error);
                    }
                }
                self.report_progress(state).await;
            }
            if stopped {
                return Err(Stop::Budget);
            }
        }
        Ok(())
    }

    /// Sends one write and notes it as written unless it was postponed (what a slice that
    /// stops leaves for the next: [`super::pending`]).
    async fn execute(&self, op: &WriteOp<'_>, target: &Target) -> Outcome {
        let outcome = self.send(op, target).await;
        if !matches!(outcome, Outcome::Postponed) {
            let (step, key) = match op {
                WriteOp::Create(c) => (Step::Create, &c.key),
                WriteOp::Deferred(c) => (Step::Deferred, &c.key),
                WriteOp::Update(u) => (Step::Update, &u.key),
                WriteOp::Mark(m) | WriteOp::Delete(m) => (Step::Retire, &m.key),
            };
            self.written.borrow_mut().insert((step, key.clone()));
        }
        outcome
    }

    async fn send(&self, op: &WriteOp<'_>, target: &Target) -> Outcome {
        let failed = |key: &str, what: &str, e: CallError| {
            if let CallError::OutOfTime(_) = e {
                return Outcome::Postponed;
            }
            let message = match &e {
                CallError::Status { status, message } => {
                    format!("Assets refused the {what} (HTTP {status}): {message}")
                }
                other => format!("the {what} failed: {other}"),
            };
            Outcome::Failed(
                key.to_string(),
                RecordError {
                    key: key.to_string(),
                    attribute: None,
                    message,
                    level: Level::Error,
                },
            )
        };
        match op {
            WriteOp::Create(create) => match self.create(create, target).await {
                Ok(()) => Outcome::Created,
                Err(e) => failed(&create.key, "create", e),
            },
            WriteOp::Deferred(create) => {
                let Some((id, _)) = self.created.borrow().get(&create.key).cloned() else {
                    // Created by an earlier invocation: the re-plan sees it as an update instead.
                    return Outcome::Deferred;
                };
                match self.put(&create.key, &id, &create.deferred, target).await {
                    Ok(()) => Outcome::Deferred,
                    Err(e) => failed(&create.key, "reference update", e),
                }
            }
            WriteOp::Update(update) => match self
                .put(&update.key, &update.id, &update.changes, target)
                .await
            {
                Ok(()) => Outcome::Updated,
                Err(e) => failed(&update.key, "update", e),
            },
            WriteOp::Mark(missing) => match self
                .put(&missing.key, &missing.id, &missing.changes, target)
                .await
            {
                Ok(()) => Outcome::Marked,
                Err(e) => failed(&missing.key, "mark", e),
            },
            WriteOp::Delete(missing) => match self.assets.delete(&missing.id).await {
                Ok(()) => Outcome::Deleted,
                Err(e) => failed(&missing.key, "delete", e),
            },
        }
    }

    /// The write body of some changes; references to objects created in this run get their
    /// new object keys, and values whose object could not be created are left out (logged).
    fn body(&self, key: &str, changes: &[Change], target: &Target) -> ObjectIn {
        let created = self.created.borrow();
        let attributes = changes
            .iter()
            .map(|change| AttributeIn {
                object_type_attribute_id: change.attribute_id.clone(),
                object_attribute_values: change
                    .new
                    .iter()
                    .filter_map(|v| match v {
                        WriteValue::Text(text) => Some(text.clone()),
                        WriteValue::Created { created: other } => {
                            let found =
                                created.get(other).map(|(_, object_key)| object_key.clone());
                            if found.is_none() {
                                self.host.log(
                                    LogLevel::Warn,
                                    &format!(
                                        "{key}: {}: the referenced object {other} was not created",
                                        change.attribute
                                    ),
                                );
                            }
                            found
                        }
                    })
                    .map(|value| AttributeValueIn { value })
                    .collect(),
            })
            .collect();
        ObjectIn {
            object_type_id: target.object_type_id.clone(),
            attributes,
        }
    }

    async fn put(
        &self,
        key: &str,
        id: &str,
        changes: &[Change],
        target: &Target,
    ) -> Result<(), CallError> {
        let body = self.body(key, changes, target);
        self.assets.update(id, &body).await
    }

    /// Whether an object with the create's key value exists; if so it counts as this create.
    async fn found_by_key(&self, create: &Create, target: &Target) -> Result<bool, CallError> {
        let ql = format!(
            "objectTypeId = {} AND {} = {}",
            target.object_type_id,
            aql_quote(&target.key_attribute().name),
            aql_quote(&create.key)
        );
        let mut first: Option<(String, String)> = None;
        self.assets
            .aql_each(&ql, |object| {
                first.get_or_insert_with(|| (object.id.to_string(), object.object_key.to_string()));
            })
            .await?;
        let Some(object) = first else {
            return Ok(false);
        };
        self.created.borrow_mut().insert(create.key.clone(), object);
        Ok(true)
    }

    async fn create(&self, create: &Create, target: &Target) -> Result<(), CallError> {
        let mut body = self.body(&create.key, &create.changes, target);
        body.attributes
            .retain(|a| !a.object_attribute_values.is_empty());
        let mut rounds = 0;
        loop {
            match self.assets.create(&body).await {
                Ok(created) => {
                    self.created
                        .borrow_mut()
                        .insert(create.key.clone(), created);
                    return Ok(());
                }
                Err(CallError::Uncertain(message)) => {
                    // The create may have gone through: look for the key value before resending.
                    if self.found_by_key(create, target).await? {
                        return Ok(());
                    }
                    rounds += 1;
                    if rounds >= CREATE_ROUNDS {
                        return Err(CallError::Transport(message));
                    }
                }
                Err(refused @ CallError::Status { .. }) => {
                    // Refused as a duplicate key: a killed invocation's create of it went
                    // through after this plan read Assets. The record is there, not failed.
                    return match self.found_by_key(create, target).await {
                        Ok(true) => Ok(()),
                        _ => Err(refused),
                    };
                }
                Err(e) => return Err(e),
            }
        }
    }
}
