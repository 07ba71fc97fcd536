//! Prometheus metrics of the compute worker service, on the node's metrics endpoint, each
//! labelled with the worker's account.

use polkadot_sdk::substrate_prometheus_endpoint::{
	exponential_buckets, register, CounterVec, HistogramOpts, HistogramVec, Opts, PrometheusError,
	Registry, U64,
};
use std::time::Duration;
use xmbl_primitives::JobOutcomeKind;

/// The service's metrics; clones share them.
#[derive(Clone)]
pub struct Metrics {
	jobs_run: CounterVec<U64>,
	runs_failed: CounterVec<U64>,
	fuel_used: CounterVec<U64>,
	run_seconds: HistogramVec,
	cache_hits: CounterVec<U64>,
	cache_misses: CounterVec<U64>,
	commits: CounterVec<U64>,
	commits_failed: CounterVec<U64>,
	reveals: CounterVec<U64>,
	reveals_failed: CounterVec<U64>,
	records_lost: CounterVec<U64>,
}

impl Metrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		let counter = |name: &str, help: &str| {
			register(CounterVec::new(Opts::new(name, help), &["worker"])?, registry)
		};
		Ok(Self {
			jobs_run: register(
				CounterVec::new(
					Opts::new("xmbl_compute_jobs_run_total", "Jobs run, by how they ended"),
					&["worker", "outcome"],
				)?,
				registry,
			)?,
			runs_failed: counter(
				"xmbl_compute_runs_failed_total",
				"Runs that produced no result: a stored program or input that could not be read, \
				 or a host failure (tried again a few blocks later)",
			)?,
			fuel_used: counter("xmbl_compute_fuel_used_total", "Fuel used by the jobs run")?,
			run_seconds: register(
				HistogramVec::new(
					HistogramOpts::new(
						"xmbl_compute_run_seconds",
						"Wall time of a job's run, compiling included",
					)
					.buckets(exponential_buckets(0.001, 4.0, 9)?),
					&["worker"],
				)?,
				registry,
			)?,
			cache_hits: counter(
				"xmbl_compute_cache_hits_total",
				"Runs whose module was compiled already",
			)?,
			cache_misses: counter(
				"xmbl_compute_cache_misses_total",
				"Runs that compiled their module (valid or not)",
			)?,
			commits: counter(
				"xmbl_compute_commits_total",
				"Commitments included on chain without error",
			)?,
			commits_failed: counter(
				"xmbl_compute_commits_failed_total",
				"Commitments refused, failed or not included (tried again at the next block)",
			)?,
			reveals: counter(
				"xmbl_compute_reveals_total",
				"Reveals included on chain without error",
			)?,
			reveals_failed: counter(
				"xmbl_compute_reveals_failed_total",
				"Reveals refused, failed or not included (tried again at the next block)",
			)?,
			records_lost: counter(
				"xmbl_compute_records_lost_total",
				"Reveals due with no saved result: the worker lost its state",
			)?,
		})
	}

	/// A job that ended in `outcome` (run, or refused from what the chain says of its
	/// program, or of an input that did not open).
	pub fn ran(&self, worker: &str, outcome: &JobOutcomeKind, fuel: u64) {
		self.jobs_run.with_label_values(&[worker, outcome_label(outcome)]).inc();
		self.fuel_used.with_label_values(&[worker]).inc_by(fuel);
	}

	/// A run of the runner that took `elapsed`.
	pub fn timed(&self, worker: &str, elapsed: Duration, cache_hit: bool) {
		self.run_seconds.with_label_values(&[worker]).observe(elapsed.as_secs_f64());
		let cache = if cache_hit { &self.cache_hits } else { &self.cache_misses };
		cache.with_label_values(&[worker]).inc();
	}

	pub fn run_failed(&self, worker: &str) {
		self.runs_failed.with_label_values(&[worker]).inc();
	}

	pub fn committed(&self, worker: &str, ok: bool) {
		let counter = if ok { &self.commits } else { &self.commits_failed };
		counter.with_label_values(&[worker]).inc();
	}

	pub fn revealed(&self, worker: &str, ok: bool) {
		let counter = if ok { &self.reveals } else { &self.reveals_failed };
		counter.with_label_values(&[worker]).inc();
	}

	pub fn record_lost(&self, worker: &str) {
		self.records_lost.with_label_values(&[worker]).inc();
	}
}

/// The `outcome` label of a run: its kind's name.
fn outcome_label(outcome: &JobOutcomeKind) -> &'static str {
	match outcome {
		JobOutcomeKind::Success => "success",
		JobOutcomeKind::OutOfFuel => "out_of_fuel",
		JobOutcomeKind::Trap(_) => "trap",
		JobOutcomeKind::InvalidModule(_) => "invalid_module",
		JobOutcomeKind::OutputTooLarge => "output_too_large",
		JobOutcomeKind::InputUnreadable => "input_unreadable",
	}
}
