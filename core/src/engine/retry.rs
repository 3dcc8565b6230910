//! The retry loop every command runs in, and idempotency: keys scoped by actor, fingerprints,
//! which answers are recorded and how they are replayed.

use super::*;

pub(super) fn fingerprint<T: Serialize>(value: &T) -> Result<String> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::invalid("command", e.to_string()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Which answers of a commit are final, and so stored under the host's idempotency key.
#[derive(Debug, Clone, Copy)]
pub(super) enum Record {
    /// Every answer (errors that are accidents aside).
    Answer,
    /// Only errors: a success is a first step (a secured checkout), answered by a later commit.
    Errors,
}

impl Record {
    /// The outcome to store for `answer`, if any.
    fn of<T: Serialize>(
        self,
        answer: &Result<T>,
    ) -> Result<Option<std::result::Result<serde_json::Value, Error>>> {
        Ok(match (self, answer) {
            (Record::Answer, Ok(output)) => Some(Ok(serde_json::to_value(output)
                .map_err(|e| Error::invalid("output", e.to_string()))?)),
            (Record::Errors, Ok(_)) => None,
            (_, Err(error)) => is_recordable(error).then(|| Err(error.clone())),
        })
    }
}

/// The key under which `actor`'s idempotency key `key` is stored (its record, and the
/// checkout it secured): a digest, so that any key fits a host's key column and keys of
/// different actors never meet.
pub(super) fn actor_key(actor: &Actor, key: &str) -> String {
    let digest = Sha256::new()
        .chain_update(actor.label().as_bytes())
        .chain_update([0u8])
        .chain_update(key.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Errors that are accidents of the infrastructure (a store or provider fault, a conflict the
/// retries did not settle) rather than the domain's answer: never recorded, logged as warnings.
pub(super) fn is_accident(error: &Error) -> bool {
    matches!(
        error,
        Error::VersionConflict { .. } | Error::GatewayUnavailable { .. } | Error::Provider { .. }
    )
}

/// Errors that are answers (replayed for the same idempotency key): not accidents, and not a
/// key another call already holds.
pub(super) fn is_recordable(error: &Error) -> bool {
    !is_accident(error) && !matches!(error, Error::IdempotencyConflict { .. })
}

impl Engine {
    /// The retry loop shared by every command: decide, commit, retry on conflict, record.
    /// `key` is the host's idempotency key with the command's fingerprint; `record` says
    /// which answers are final and stored under it.
    ///
    /// When the retries run out, the command decides once more on fresh data without
    /// committing a success: if it would now fail (the last unit went to a rival), that is the
    /// answer — `insufficient_stock`, not `version_conflict`, for the loser of a stock race — and
    /// `version_conflict` only means the command could still succeed if retried.
    pub(super) fn run<T, F>(
        &self,
        call: &Call<'_>,
        actor: &Actor,
        key: Option<(&str, &str)>,
        record: Record,
        mut decide: F,
    ) -> Result<T>
    where
        T: Serialize,
        F: FnMut(&mut UnitOfWork<'_>) -> Result<T>,
    {
        let now = self.clock.now();
        let mut attempt = 0;
        let mut conflict: Option<Error> = None;
        loop {
            let key_of_record = key.map(|(key, _)| key);
            let mut tx = UnitOfWork::new(self, actor, key_of_record, now, call.correlation_id);
            let decided = decide(&mut tx);
            let refusal = tx.refusal.take();
            let mut changes = match &decided {
                Ok(_) => tx.into_changes(),
                Err(_) => ChangeSet::default(),
            };
            let answer = match (decided, refusal) {
                (Ok(_), Some(error)) | (Err(error), _) => Err(error),
                (Ok(output), None) => Ok(output),
            };
            if let (Some(error), Ok(_)) = (&conflict, &answer) {
                return Err(error.clone());
            }
            if let Some((key, fingerprint)) = key {
                changes.idempotency = record.of(&answer)?.map(|outcome| IdempotencyRecord {
                    key: key.to_string(),
                    fingerprint: fingerprint.to_string(),
                    outcome,
                    at: now,
                });
            }
            let only_record = changes.writes.is_empty() && changes.events.is_empty();
            if only_record && changes.idempotency.is_none() {
                return answer;
            }
            match self.store.commit(changes) {
                Ok(()) => return answer,
                Err(Error::VersionConflict { .. }) if attempt < self.config.max_retries => {
                    attempt += 1;
                    call.retried();
                }
                Err(error @ Error::VersionConflict { .. }) if conflict.is_none() => {
                    conflict = Some(error)
                }
                // Another process ran the same key first: `execute` answers what it answered.
                Err(error @ Error::IdempotencyConflict { .. }) => return Err(error),
                // The record of an error answer is best effort; the answer stands.
                Err(_) if only_record => return answer,
                Err(error) => return Err(error),
            }
        }
    }
}

pub(super) fn replay(
    record: IdempotencyRecord,
    fingerprint: &str,
    key: &str,
) -> Result<CommandOutput> {
    if record.fingerprint != fingerprint {
        return Err(Error::IdempotencyConflict {
            key: key.to_string(),
        });
    }
    match record.outcome {
        Ok(value) => serde_json::from_value(value).map_err(|e| Error::Provider {
            component: "store".into(),
            message: format!("stored idempotent answer unreadable: {e}"),
        }),
        Err(error) => Err(error),
    }
}
