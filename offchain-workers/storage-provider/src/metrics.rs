//! Prometheus metrics of the storage provider service, on the node's metrics endpoint, each
//! labelled with the provider's account.

use polkadot_sdk::substrate_prometheus_endpoint::{
	register, CounterVec, GaugeVec, Opts, PrometheusError, Registry, U64,
};

/// The service's metrics; clones share them.
#[derive(Clone)]
pub struct Metrics {
	shards_held: GaugeVec<U64>,
	bytes_held: GaugeVec<U64>,
	confirmations: CounterVec<U64>,
	proofs_sent: CounterVec<U64>,
	proofs_failed: CounterVec<U64>,
	repairs: CounterVec<U64>,
	repairs_failed: CounterVec<U64>,
	upload_bytes: CounterVec<U64>,
	download_bytes: CounterVec<U64>,
	shards_deleted: CounterVec<U64>,
}

impl Metrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		let gauge = |name: &str, help: &str| {
			register(GaugeVec::new(Opts::new(name, help), &["provider"])?, registry)
		};
		let counter = |name: &str, help: &str| {
			register(CounterVec::new(Opts::new(name, help), &["provider"])?, registry)
		};
		Ok(Self {
			shards_held: gauge("xmbl_storage_shards_held", "Shards in the provider's store")?,
			bytes_held: gauge(
				"xmbl_storage_bytes_held",
				"Bytes of shards and their Merkle outboards in the provider's store",
			)?,
			confirmations: counter(
				"xmbl_storage_confirmations_total",
				"Shards confirmed on chain (received or repaired)",
			)?,
			proofs_sent: counter(
				"xmbl_storage_proofs_sent_total",
				"Shard proofs included on chain without error",
			)?,
			proofs_failed: counter(
				"xmbl_storage_proofs_failed_total",
				"Shard proofs that could not be built, were refused or failed on chain",
			)?,
			repairs: counter("xmbl_storage_repairs_total", "Shards rebuilt from other providers")?,
			repairs_failed: counter(
				"xmbl_storage_repairs_failed_total",
				"Repair attempts that failed (retried at the next block)",
			)?,
			upload_bytes: counter(
				"xmbl_storage_upload_bytes_total",
				"Shard bytes received from clients",
			)?,
			download_bytes: counter(
				"xmbl_storage_download_bytes_total",
				"Shard bytes served to clients and other providers",
			)?,
			shards_deleted: counter(
				"xmbl_storage_shards_deleted_total",
				"Shards deleted because no deal assigns them to the provider any more",
			)?,
		})
	}

	pub fn set_store(&self, provider: &str, shards: u64, bytes: u64) {
		self.shards_held.with_label_values(&[provider]).set(shards);
		self.bytes_held.with_label_values(&[provider]).set(bytes);
	}

	pub fn confirmed(&self, provider: &str, shards: u64) {
		self.confirmations.with_label_values(&[provider]).inc_by(shards);
	}

	pub fn proofs(&self, provider: &str, sent: u64, failed: u64) {
		self.proofs_sent.with_label_values(&[provider]).inc_by(sent);
		self.proofs_failed.with_label_values(&[provider]).inc_by(failed);
	}

	pub fn repaired(&self, provider: &str, ok: bool) {
		let counter = if ok { &self.repairs } else { &self.repairs_failed };
		counter.with_label_values(&[provider]).inc();
	}

	pub fn uploaded(&self, provider: &str, bytes: u64) {
		self.upload_bytes.with_label_values(&[provider]).inc_by(bytes);
	}

	pub fn downloaded(&self, provider: &str, bytes: u64) {
		self.download_bytes.with_label_values(&[provider]).inc_by(bytes);
	}

	pub fn deleted(&self, provider: &str, shards: u64) {
		self.shards_deleted.with_label_values(&[provider]).inc_by(shards);
	}
}
