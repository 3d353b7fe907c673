//! One wait's side of the engine: a stream of the updates on its own jobs.
//!
//! It registers its jobs with the client's driver when first polled (so a
//! stream built outside a runtime is fine), forwards jobs a [`super::JobWaiter`]
//! adds, withdraws its jobs when dropped, and registers again if its driver
//! died with the runtime that ran it.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::error::WaitError;
use super::policy::WaitOptions;
use super::protocol::{CallerId, Command, Delivery, FetchJobs, WaitStart};
use super::update::JobUpdate;
use crate::Client;

/// The job ids a wait's span names; a larger wait gives their count only.
const MAX_IDS_IN_SPAN: usize = 10;

pub(crate) struct Subscription {
    client: Client,
    caller: CallerId,
    options: Arc<WaitOptions>,
    /// Jobs not yet reported, and when each one's wait began.
    pending: HashMap<String, WaitStart>,
    /// Pending jobs the driver has not been told of.
    unsent: Vec<(String, WaitStart)>,
    /// The driver's channel to us, once registered.
    updates: Option<mpsc::UnboundedReceiver<Delivery>>,
    /// Jobs added while the wait runs; `None` once every adder is gone.
    adds: Option<mpsc::UnboundedReceiver<String>>,
    /// Set once the wait can take no more jobs (shared with the adders).
    closed: Arc<AtomicBool>,
    /// Updates to yield before anything else (the end of a failed wait).
    backlog: VecDeque<JobUpdate>,
    ended: bool,
    /// The wait's span (`datasaur.wait`), a child of the caller's: the
    /// polls made for it follow from it.
    span: tracing::Span,
    /// Jobs finished delivered, and otherwise, for the span and its event.
    delivered: u64,
    not_delivered: u64,
}

impl Subscription {
    pub fn new(
        client: Client,
        jobs: impl IntoIterator<Item = (String, Duration)>,
        options: WaitOptions,
        adds: Option<(mpsc::UnboundedReceiver<String>, Arc<AtomicBool>)>,
    ) -> Self {
        let caller = client.inner().engine.new_caller();
        let span = tracing::info_span!(
            "datasaur.wait",
            otel.name = "wait",
            otel.kind = "internal",
            datasaur.job_count = tracing::field::Empty,
            datasaur.job_ids = tracing::field::Empty,
            datasaur.delivered = tracing::field::Empty,
            datasaur.not_delivered = tracing::field::Empty,
        );
        let (adds, closed) = match adds {
            Some((adds, closed)) => (Some(adds), closed),
            None => (None, Arc::new(AtomicBool::new(false))),
        };
        let mut subscription = Subscription {
            client,
            caller,
            options: Arc::new(options),
            pending: HashMap::new(),
            unsent: Vec::new(),
            updates: None,
            adds,
            closed,
            backlog: VecDeque::new(),
            ended: false,
            span,
            delivered: 0,
            not_delivered: 0,
        };
        let now = Instant::now();
        let jobs: Vec<(String, Duration)> = jobs.into_iter().collect();
        // As i64: OpenTelemetry exports unsigned fields as text.
        subscription
            .span
            .record("datasaur.job_count", jobs.len() as i64);
        if jobs.len() <= MAX_IDS_IN_SPAN {
            let ids: Vec<&str> = jobs.iter().map(|(id, _)| id.as_str()).collect();
            subscription
                .span
                .record("datasaur.job_ids", ids.join(",").as_str());
        }
        for (id, job_age) in jobs {
            subscription.add(
                id,
                WaitStart {
                    began: now,
                    job_age,
                },
            );
        }
        subscription
    }

    /// Waits on `id` too, unless this wait already waits on it.
    fn add(&mut self, id: String, start: WaitStart) {
        if !self.pending.contains_key(&id) {
            self.pending.insert(id.clone(), start);
            self.unsent.push((id, start));
        }
    }

    /// Tells the driver of jobs it does not know yet.
    fn flush(&mut self) {
        if self.unsent.is_empty() {
            return;
        }
        let jobs = std::mem::take(&mut self.unsent);
        let engine = &self.client.inner().engine;
        let command = match self.updates {
            Some(_) => Command::Add {
                caller: self.caller,
                jobs,
            },
            None => {
                let (sender, receiver) = mpsc::unbounded_channel();
                self.updates = Some(receiver);
                Command::Register {
                    caller: self.caller,
                    options: self.options.clone(),
                    updates: sender,
                    jobs,
                    span: self.span.clone(),
                }
            }
        };
        let client = &self.client;
        engine.send(|| Arc::new(client.clone()) as Arc<dyn FetchJobs>, command);
    }

    fn end(&mut self) {
        if !self.ended {
            self.span
                .record("datasaur.delivered", self.delivered as i64);
            self.span
                .record("datasaur.not_delivered", self.not_delivered as i64);
            tracing::info!(
                parent: &self.span,
                delivered = self.delivered,
                not_delivered = self.not_delivered,
                "wait ended"
            );
        }
        self.ended = true;
        self.closed.store(true, Ordering::Release);
        self.adds = None;
    }
}

impl Stream for Subscription {
    type Item = JobUpdate;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<JobUpdate>> {
        let this = &mut *self;
        loop {
            if let Some(update) = this.backlog.pop_front() {
                return Poll::Ready(Some(update));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            while let Some(adds) = this.adds.as_mut() {
                match adds.poll_recv(cx) {
                    Poll::Ready(Some(id)) => this.add(id, WaitStart::now(Duration::ZERO)),
                    Poll::Ready(None) => this.adds = None,
                    Poll::Pending => break,
                }
            }
            this.flush();
            if this.pending.is_empty() && this.adds.is_none() {
                this.end();
                continue;
            }
            let Some(updates) = this.updates.as_mut() else {
                // Nothing registered: waiting for a job to be added.
                return Poll::Pending;
            };
            match updates.poll_recv(cx) {
                Poll::Ready(Some(Delivery::Update(update))) => {
                    if let JobUpdate::Finished(result) = &update {
                        let id = match result {
                            Ok(job) => job.id.as_str(),
                            Err(error) => error.job_id(),
                        };
                        if this.pending.remove(id).is_some() {
                            match result {
                                Ok(_) => this.delivered += 1,
                                Err(_) => this.not_delivered += 1,
                            }
                        }
                    }
                    return Poll::Ready(Some(update));
                }
                Poll::Ready(Some(Delivery::Ended(error))) => {
                    // Jobs added after the failed request never reached the
                    // driver's list; they end the same way, each reported once.
                    for (job_id, _) in this.pending.drain() {
                        this.not_delivered += 1;
                        this.backlog
                            .push_back(JobUpdate::Finished(Err(WaitError::Poll {
                                job_id,
                                source: error.clone(),
                                failing_for: None,
                            })));
                    }
                    this.unsent.clear();
                    this.updates = None;
                    this.end();
                }
                Poll::Ready(None) => {
                    // The driver is gone with nothing to tell us (it idled
                    // out, or its runtime shut down): register what is left.
                    this.updates = None;
                    let now = Instant::now();
                    this.unsent = this
                        .pending
                        .iter()
                        .map(|(id, start)| {
                            let began = start.began.min(now);
                            (id.clone(), WaitStart { began, ..*start })
                        })
                        .collect();
                    if this.unsent.is_empty() {
                        // A job waiter with nothing to wait on yet.
                        if this.adds.is_none() {
                            this.end();
                        } else {
                            return Poll::Pending;
                        }
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Release);
        if self.updates.is_some() {
            self.client
                .inner()
                .engine
                .send_if_running(Command::Withdraw {
                    caller: self.caller,
                });
        }
    }
}
