//! Benchmarks of every call and of the hook's steps, each in its worst case: the largest
//! inline program, input, arguments and output, `MaxReplicas` workers where a call's cost
//! depends on them, and in the hook every worker slashed or paid.

use crate::*;
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{pallet_prelude::*, BoundedVec},
	frame_system::{pallet_prelude::BlockNumberFor, Pallet as System, RawOrigin},
	sp_runtime::Saturating,
};
use xmbl_primitives::{commitment, JobSource};

/// What the benchmarks need from the runtime besides this pallet.
pub trait BenchmarkHelper<AccountId> {
	/// Give `who` a free balance large enough for any reward or stake.
	fn fund(who: &AccountId);
	/// Register `who` as a compute provider with `slots` compute slots and no minimum price.
	fn register_compute_provider(who: &AccountId, slots: u32);
}

/// `count` funded compute providers with a few slots each.
fn providers<T: Config>(count: u32) -> Vec<T::AccountId> {
	(0..count)
		.map(|i| {
			let who: T::AccountId = account("provider", i, 0);
			T::BenchmarkHelper::fund(&who);
			T::BenchmarkHelper::register_compute_provider(&who, 4);
			who
		})
		.collect()
}

/// `len` bytes, bounded by `S`.
fn bytes<S: Get<u32>>(len: u32) -> BoundedVec<u8, S> {
	BoundedVec::try_from(vec![7u8; len as usize]).expect("len within the bound")
}

/// The largest spec: inline program and input at their bounds, every argument at its
/// longest.
fn largest_spec<T: Config>() -> JobSpec<T> {
	let args = (0..T::MaxArgs::get()).map(|_| bytes(T::MaxArgLen::get())).collect::<Vec<_>>();
	JobSpec {
		program: JobSource::Inline(bytes(T::MaxInlineProgram::get())),
		input: JobSource::Inline(bytes(T::MaxInlineInput::get())),
		args: BoundedVec::try_from(args).expect("MaxArgs arguments"),
		fuel: T::MaxFuel::get(),
		memory_bytes: T::MaxMemory::get(),
		input_key: Some([1; 32]),
	}
}

/// A funded client.
fn client<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	T::BenchmarkHelper::fund(&who);
	who
}

/// The lowest reward of `replicas` replicas.
fn reward<T: Config>(replicas: u8) -> BalanceOf<T> {
	T::MinJobReward::get().saturating_mul(u32::from(replicas).into())
}

/// A job of `replicas` replicas submitted by `client`, with the latest deadline.
fn submitted<T: Config>(client: &T::AccountId, replicas: u8) -> JobId {
	Pallet::<T>::do_submit_job(
		client.clone(),
		largest_spec::<T>(),
		replicas,
		reward::<T>(replicas),
		T::MaxDeadline::get(),
	)
	.expect("job submitted")
}

/// Run the hook at job `id`'s next step.
fn run_step<T: Config>(id: JobId) {
	let due = Jobs::<T>::get(id).expect("job").due;
	System::<T>::set_block_number(due);
	Pallet::<T>::run_due(due);
}

/// A job of `replicas` replicas whose workers were drawn; its workers.
fn selected<T: Config>(replicas: u8) -> (JobId, Vec<T::AccountId>) {
	let id = submitted::<T>(&client::<T>(), replicas);
	run_step::<T>(id);
	let job = Jobs::<T>::get(id).expect("job");
	assert_eq!(job.status, JobStatus::Committing);
	(id, job.seated().map(|w| w.who.clone()).collect())
}

/// A success of the largest inline output, told apart by `tag`.
fn largest_result<T: Config>(tag: u8) -> JobResultOf<T> {
	let output = vec![tag; T::MaxInlineOutput::get() as usize];
	JobResult {
		kind: JobOutcomeKind::Success,
		fuel_used: 1,
		output: JobOutput::Inline(BoundedVec::try_from(output).expect("MaxInlineOutput bytes")),
	}
}

/// The salt of benchmark workers.
const SALT: [u8; 32] = [3; 32];

/// Each of `workers` but the last `skip` commits to `results(n)`.
fn commit_all<T: Config>(
	id: JobId,
	workers: &[T::AccountId],
	skip: usize,
	results: impl Fn(usize) -> JobResultOf<T>,
) {
	for (n, who) in workers.iter().enumerate().take(workers.len() - skip) {
		let hash = commitment(&results(n), &SALT, who);
		Pallet::<T>::do_commit(who.clone(), id, hash).expect("committed");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn submit_job() {
		let replicas = T::MaxReplicas::get();
		providers::<T>(u32::from(replicas));
		let client = client::<T>();
		let spec = largest_spec::<T>();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(client.clone()),
			spec.program,
			spec.input,
			spec.args,
			spec.fuel,
			spec.memory_bytes,
			replicas,
			reward::<T>(replicas),
			T::MaxDeadline::get(),
			spec.input_key,
		);

		assert_eq!(Pallet::<T>::jobs_of(&client).len(), 1);
	}

	/// The last of `MaxReplicas` commitments, which starts the reveal phase.
	#[benchmark]
	fn commit_result() {
		let replicas = T::MaxReplicas::get();
		providers::<T>(u32::from(replicas));
		let (id, workers) = selected::<T>(replicas);
		commit_all::<T>(id, &workers, 1, |_| largest_result::<T>(0));
		let last = workers.last().expect("a worker").clone();
		let hash = commitment(&largest_result::<T>(0), &SALT, &last);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, hash);

		assert_eq!(Jobs::<T>::get(id).expect("job").status, JobStatus::Revealing);
	}

	/// The last of `MaxReplicas` reveals of the largest inline output.
	#[benchmark]
	fn reveal_result() {
		let replicas = T::MaxReplicas::get();
		providers::<T>(u32::from(replicas));
		let (id, workers) = selected::<T>(replicas);
		commit_all::<T>(id, &workers, 0, |_| largest_result::<T>(0));
		for who in &workers[..workers.len() - 1] {
			Pallet::<T>::do_reveal(who.clone(), id, largest_result::<T>(0), SALT)
				.expect("revealed");
		}
		let last = workers.last().expect("a worker").clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, largest_result::<T>(0), SALT);

		let now = System::<T>::block_number();
		assert_eq!(Jobs::<T>::get(id).expect("job").due, now.saturating_add(1u32.into()));
	}

	/// A block with nothing due after `MAX_BUCKETS_PER_BLOCK` empty buckets.
	#[benchmark]
	fn on_initialize_base() {
		let now: BlockNumberFor<T> = (crate::schedule::MAX_BUCKETS_PER_BLOCK * 2).into();
		System::<T>::set_block_number(now);

		#[block]
		{
			Pallet::<T>::run_due(now);
		}

		assert_eq!(DueCursor::<T>::get(), crate::schedule::MAX_BUCKETS_PER_BLOCK.into());
	}

	/// The draw of `r` workers (the registry's `select` included; the hook adds the
	/// registry's own `select_weight` on top, so this errs high).
	#[benchmark]
	fn select_workers(r: Linear<1, { u32::from(T::MaxReplicas::get()) }>) {
		providers::<T>(r);
		let id = submitted::<T>(&client::<T>(), r as u8);
		let due = Jobs::<T>::get(id).expect("job").due;
		System::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::run_due(due);
		}

		assert_eq!(Jobs::<T>::get(id).expect("job").seated().count(), r as usize);
	}

	/// The end of a commit phase in which none of `r` workers committed: each is slashed
	/// and released, and `r` replacements are drawn for the next round.
	#[benchmark]
	fn end_commit(r: Linear<1, { u32::from(T::MaxReplicas::get()) }>) {
		providers::<T>(2 * r);
		let (id, _) = selected::<T>(r as u8);
		let due = Jobs::<T>::get(id).expect("job").due;
		System::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::run_due(due);
		}

		let job = Jobs::<T>::get(id).expect("job");
		assert!(job.workers.iter().take(r as usize).all(|w| w.state == WorkerState::Missed));
	}

	/// The resolution of `r` reveals of the largest inline output: a majority agrees and is
	/// paid, the others revealed other results and are slashed.
	#[benchmark]
	fn resolve(r: Linear<1, { u32::from(T::MaxReplicas::get()) }>) {
		providers::<T>(r);
		let (id, workers) = selected::<T>(r as u8);
		let majority = Jobs::<T>::get(id).expect("job").majority() as usize;
		let result = |n: usize| largest_result::<T>(if n < majority { 0 } else { n as u8 });
		commit_all::<T>(id, &workers, 0, result);
		for (n, who) in workers.iter().enumerate() {
			Pallet::<T>::do_reveal(who.clone(), id, result(n), SALT).expect("revealed");
		}
		let due = Jobs::<T>::get(id).expect("job").due;
		System::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::run_due(due);
		}

		assert_eq!(Jobs::<T>::get(id).expect("job").status, JobStatus::Completed);
		assert!(Results::<T>::contains_key(id));
	}

	/// The pruning of a completed job of the largest spec and output.
	#[benchmark]
	fn prune() {
		providers::<T>(1);
		let (id, workers) = selected::<T>(1);
		commit_all::<T>(id, &workers, 0, |_| largest_result::<T>(0));
		Pallet::<T>::do_reveal(workers[0].clone(), id, largest_result::<T>(0), SALT)
			.expect("revealed");
		run_step::<T>(id);
		let due = Jobs::<T>::get(id).expect("job").due;
		System::<T>::set_block_number(due);
		DueCursor::<T>::put(due);

		#[block]
		{
			Pallet::<T>::run_due(due);
		}

		assert!(!Jobs::<T>::contains_key(id) && !Results::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::tests::ExtBuilder::default().build(),
		crate::tests::Test
	);
}
