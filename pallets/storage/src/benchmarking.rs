//! Benchmarks of every call and of the hook's steps, each in its worst case. Deals pay the
//! lowest price allowed, `MinShardPrice`.
//!
//! Proofs are measured on the largest shard the runtime allows (`MaxShardSize`), so the
//! Merkle paths are as long as they get; the shard's bytes are never materialised: the
//! challenged leaves and the path nodes are made up and the shard root is computed from
//! them ([`xmbl_merkle::root_from_proof`]), which is all the verifier sees.

use crate::*;
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{pallet_prelude::*, BoundedVec},
	frame_system::{pallet_prelude::BlockNumberFor, Pallet as System, RawOrigin},
	sp_io::hashing::blake2_256,
	sp_runtime::{
		traits::{UniqueSaturatedInto, Zero},
		Saturating,
	},
};
use xmbl_file_format::{Encryption, Manifest, ShardInfo, FORMAT_VERSION};
use xmbl_primitives::ProviderRegistry;

/// What the benchmarks need from the runtime besides this pallet.
pub trait BenchmarkHelper<AccountId> {
	/// Give `who` a free balance large enough for any deal or stake.
	fn fund(who: &AccountId);
	/// Register `who` as a storage provider with room for `bytes` of shards.
	fn register_storage_provider(who: &AccountId, bytes: u64);
}

/// `k` and `m` of a deal with `shards` shards: as many parity shards as allowed.
fn split<T: Config>(shards: u32) -> (u8, u8) {
	let m = (shards - 1).min(u32::from(T::MaxParityShards::get())) as u8;
	(shards as u8 - m, m)
}

/// A consistent manifest of a public file of `plaintext` bytes in `k + m` shards.
fn manifest(k: u8, m: u8, plaintext: u64) -> Manifest {
	let mut manifest = Manifest {
		version: FORMAT_VERSION,
		plaintext_size: plaintext,
		segment_size: 1 << 20,
		data_shards: k,
		parity_shards: m,
		encryption: Encryption::None,
		shards: Vec::new(),
		file_root: [0; 32],
	};
	let size = manifest.shard_size();
	manifest.shards = (0..k + m).map(|i| ShardInfo { root: blake2_256(&[i]), size }).collect();
	manifest.file_root = manifest.compute_file_root();
	manifest
}

/// `count` funded storage providers, each with room for `bytes` more than it will hold.
fn providers<T: Config>(count: u32, bytes: u64) -> Vec<T::AccountId> {
	(0..count)
		.map(|i| {
			let who: T::AccountId = account("provider", i, 0);
			T::BenchmarkHelper::fund(&who);
			T::BenchmarkHelper::register_storage_provider(&who, bytes);
			who
		})
		.collect()
}

/// A funded owner.
fn owner<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	T::BenchmarkHelper::fund(&who);
	who
}

/// A deal created by `owner` whose shards are assigned to `providers` (in shard order) and
/// pending, as its selection would leave it.
fn uploading_deal<T: Config>(owner: &T::AccountId, providers: &[T::AccountId]) -> DealId {
	let (k, m) = split::<T>(providers.len() as u32);
	let id = Pallet::<T>::do_create_deal(
		owner.clone(),
		manifest(k, m, 1 << 20),
		10,
		T::MinShardPrice::get(),
	)
	.expect("deal created");
	let mut deal = Deals::<T>::get(id).expect("deal");
	let until = System::<T>::block_number().saturating_add(T::UploadWindow::get());
	for (number, provider) in providers.iter().enumerate() {
		T::Registry::assign(provider, deal.shard_size, 0).expect("provider has room");
		Pallet::<T>::assign_shard(id, &mut deal, number as u8, provider.clone(), until, false);
	}
	deal.status = DealStatus::Uploading { round: 0 };
	Pallet::<T>::reschedule(id, &mut deal, until);
	Deals::<T>::insert(id, deal);
	id
}

/// An active deal whose shards are kept by `providers` (every shard confirmed).
fn active_deal<T: Config>(owner: &T::AccountId, providers: &[T::AccountId]) -> DealId {
	let id = uploading_deal::<T>(owner, providers);
	for (number, provider) in providers.iter().enumerate() {
		Pallet::<T>::do_confirm_shards(provider.clone(), &[(id, number as u8)])
			.expect("shard confirmed");
	}
	id
}

/// Made-up challenged leaves and path nodes for shard `number` of an active deal whose
/// shard size is `MaxShardSize`, and the root they prove.
fn forged_shard<T: Config>(deal: &Deal<T>, number: u8) -> (Root, ShardProof<T>) {
	let layout = xmbl_merkle::Layout::new(deal.shard_size);
	let indices = Pallet::<T>::challenge(&deal.seed, number, deal.shard_size);
	let leaves: Vec<Vec<u8>> = indices
		.iter()
		.map(|&index| {
			let (_, len) = layout.leaf_range(index).expect("challenged leaf exists");
			vec![number; len as usize]
		})
		.collect();
	let nodes = xmbl_merkle::proof_len(&layout, &indices).expect("valid challenge");
	let proof = xmbl_merkle::Proof::from_nodes(
		(0..nodes).map(|i| blake2_256(&(number, i as u32).encode())).collect(),
	)
	.expect("within MAX_PROOF_NODES");
	let leaf_refs: Vec<&[u8]> = leaves.iter().map(Vec::as_slice).collect();
	let root = xmbl_merkle::root_from_proof(&layout, &indices, &leaf_refs, &proof)
		.expect("made-up proof fits the layout");
	let leaves = leaves
		.into_iter()
		.map(|leaf| BoundedVec::try_from(leaf).expect("a leaf fits LeafLen"))
		.collect::<Vec<_>>();
	let shard_proof = ShardProof {
		deal: 0,
		shard: number,
		period: deal.period,
		leaves: BoundedVec::try_from(leaves).expect("ChallengedLeaves leaves"),
		proof,
	};
	(root, shard_proof)
}

/// The most shards a deal can have.
fn most_shards<T: Config>() -> u32 {
	T::MaxShards::get()
		.min(u32::from(T::MaxDataShards::get()) + u32::from(T::MaxParityShards::get()))
}

/// `n` live active deals of `providers.len()` shards, due together at one block with every
/// shard proven for the period, as honest providers leave them: the first deal's made-up
/// shards of `MaxShardSize` proven by their providers through the call's own code (see
/// `forged_shard`), the others copies of its record under the next ids. Their ids and the
/// block they are due at.
fn proven_deals<T: Config>(n: u32, providers: &[T::AccountId]) -> (Vec<DealId>, BlockNumberFor<T>) {
	let owner = owner::<T>();
	let id = active_deal::<T>(&owner, providers);
	let mut deal = Deals::<T>::get(id).expect("deal");
	deal.shard_size = T::MaxShardSize::get();
	let mut proofs = Vec::new();
	for number in 0..providers.len() as u8 {
		let (root, mut proof) = forged_shard::<T>(&deal, number);
		deal.shards[usize::from(number)].root = root;
		proof.deal = id;
		proofs.push(proof);
	}
	Deals::<T>::insert(id, &deal);
	for (proof, provider) in proofs.iter().zip(providers) {
		Pallet::<T>::do_submit_proofs(provider.clone(), core::slice::from_ref(proof))
			.expect("proof accepted");
	}
	let proven = Deals::<T>::get(id).expect("deal");
	let mut ids = vec![id];
	for _ in 1..n {
		let copy = NextDealId::<T>::get();
		NextDealId::<T>::put(copy + 1);
		Deals::<T>::insert(copy, &proven);
		Due::<T>::insert(proven.due, copy, ());
		DealsByOwner::<T>::insert(&owner, copy, ());
		for (number, provider) in providers.iter().enumerate() {
			ProviderShards::<T>::insert(provider, (copy, number as u8), ());
		}
		ids.push(copy);
	}
	(ids, proven.due)
}

/// Each of `ids`, due at `at`, went on to its second period with no shard missed, due a
/// period later; the cursor moved past `at`.
fn assert_honest_period_end<T: Config>(ids: &[DealId], at: BlockNumberFor<T>) {
	for &id in ids {
		let deal = Deals::<T>::get(id).expect("deal");
		assert_eq!(deal.period, 1);
		assert_eq!(deal.due, at.saturating_add(T::ProofPeriod::get()));
		assert!(deal.shards.iter().all(|shard| shard.missed == 0
			&& matches!(shard.state, ShardState::Stored { proven: Some(0), .. })));
		assert!(Due::<T>::contains_key(deal.due, id));
	}
	assert_eq!(DueCursor::<T>::get(), at.saturating_add(1u32.into()));
}

/// The most other live deals the scale benchmarks (`deadline_among_deals`,
/// `deadlines_at_bound`, `selection_among_deals`) set up. The unit tests run every benchmark at six points of its
/// range on the mock, natively and unoptimised, so they stop at fewer.
#[cfg(not(test))]
pub const MAX_OTHER_DEALS: u32 = 100_000;
#[cfg(test)]
pub const MAX_OTHER_DEALS: u32 = 1_000;

/// A deal due at block `at` and the `d` other live deals of a scale benchmark.
struct Crowd<T: Config> {
	/// The block at which only the measured deal is due.
	at: BlockNumberFor<T>,
	/// The other deals: clones of this record, but for `due`.
	template: Deal<T>,
	/// The id of the first of them; they take the next `d` ids.
	first: DealId,
	/// Blocks after `at` their deadlines are spread over, round robin.
	span: u32,
}

impl<T: Config> Crowd<T> {
	/// The block other deal number `i` is due at: one of the `span` blocks after `at`.
	fn due(&self, i: u32) -> BlockNumberFor<T> {
		self.at.saturating_add((1 + i % self.span).into())
	}

	/// Write `d` live active deals straight into the pallet's maps, as creation, selection
	/// and confirmation would leave them (`Deals`, `Due`, `DealsByOwner`, `ProviderShards`),
	/// without their escrow and capacity in the providers pallet, which the hook does not
	/// read. Each is a two-shard deal in its first period, with ids following the measured
	/// deal's and deadlines spread over the period after block `at`, so that none is due at
	/// `at`.
	fn new(d: u32, at: BlockNumberFor<T>, providers: &[T::AccountId]) -> Self {
		let owner: T::AccountId = account("crowd", 0, 0);
		let price = T::MinShardPrice::get();
		let periods = 10;
		let repair_reserve = T::RepairBounty::get();
		let escrow = Pallet::<T>::storage_cost(price, 2, periods)
			.expect("no overflow")
			.saturating_add(repair_reserve);
		let shards = providers[..2]
			.iter()
			.enumerate()
			.map(|(number, provider)| Shard {
				root: blake2_256(&(b"crowd", number as u8).encode()),
				provider: Some(provider.clone()),
				state: ShardState::Stored { from_period: 0, proven: None },
				missed: 0,
			})
			.collect::<Vec<_>>();
		let template = Deal::<T> {
			owner: owner.clone(),
			file_root: blake2_256(b"crowd"),
			data_shards: 1,
			parity_shards: 1,
			shard_size: 1 << 20,
			price,
			periods,
			period: 0,
			escrow,
			repair_reserve,
			status: DealStatus::Active,
			due: at,
			period_start: System::<T>::block_number(),
			seed: blake2_256(b"crowd seed"),
			shards: BoundedVec::try_from(shards).expect("MaxShards is at least 2"),
		};
		let span = UniqueSaturatedInto::<u32>::unique_saturated_into(T::ProofPeriod::get());
		let crowd = Self { at, template, first: NextDealId::<T>::get(), span: span.max(1) };
		let mut deal = crowd.template.clone();
		for i in 0..d {
			let id = crowd.first + DealId::from(i);
			deal.due = crowd.due(i);
			Deals::<T>::insert(id, &deal);
			Due::<T>::insert(deal.due, id, ());
			DealsByOwner::<T>::insert(&owner, id, ());
			for (number, provider) in providers[..2].iter().enumerate() {
				ProviderShards::<T>::insert(provider, (id, number as u8), ());
			}
		}
		NextDealId::<T>::put(crowd.first + DealId::from(d));
		crowd
	}

	/// Whether all `d` other deals are still as they were written, each in its bucket, and
	/// `measured` deals besides them are due.
	fn untouched(&self, d: u32, measured: u32) -> bool {
		let mut expected = self.template.clone();
		(0..d).all(|i| {
			let id = self.first + DealId::from(i);
			expected.due = self.due(i);
			Deals::<T>::get(id).as_ref() == Some(&expected)
				&& Due::<T>::contains_key(expected.due, id)
		}) && Due::<T>::iter().count() == (d + measured) as usize
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_deal(s: Linear<2, { T::MaxShards::get() }>) {
		let s = s.min(u32::from(T::MaxDataShards::get()) + u32::from(T::MaxParityShards::get()));
		providers::<T>(s, 1 << 30);
		let owner = owner::<T>();
		let (k, m) = split::<T>(s);
		let manifest = manifest(k, m, u64::from(k) << 19);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			manifest,
			T::MaxPeriods::get(),
			T::MinShardPrice::get(),
		);

		assert!(DealsByOwner::<T>::iter_key_prefix(&owner).next().is_some());
	}

	/// Each shard is the last of its own deal, so every confirmation activates a deal.
	#[benchmark]
	fn confirm_shards(n: Linear<1, { T::MaxBatch::get() }>) {
		let provider_set = providers::<T>(2, 1 << 30);
		let owner = owner::<T>();
		let mut items = Vec::new();
		for _ in 0..n {
			let id = uploading_deal::<T>(&owner, &provider_set);
			Pallet::<T>::do_confirm_shards(provider_set[1].clone(), &[(id, 1)]).expect("confirmed");
			items.push((id, 0u8));
		}
		let items: BoundedVec<_, T::MaxBatch> = items.try_into().expect("n <= MaxBatch");

		#[extrinsic_call]
		_(RawOrigin::Signed(provider_set[0].clone()), items);

		assert!(Deals::<T>::iter().all(|(_, deal)| deal.status == DealStatus::Active));
	}

	/// `n` proofs of `MaxShardSize` shards of `n` deals of `n` owners, each the first proof
	/// of a repaired shard (in period 1, the shard stored from then on), so that each pays
	/// the repair bounty besides the price.
	#[benchmark]
	fn submit_proofs(n: Linear<1, { T::MaxBatch::get() }>) {
		let provider_set = providers::<T>(2, 1 << 30);
		let mut proofs = Vec::new();
		for i in 0..n {
			let owner: T::AccountId = account("owner", i, 0);
			T::BenchmarkHelper::fund(&owner);
			let id = active_deal::<T>(&owner, &provider_set);
			let mut deal = Deals::<T>::get(id).expect("deal");
			deal.shard_size = T::MaxShardSize::get();
			deal.period = 1;
			deal.shards[0].state = ShardState::Stored { from_period: 1, proven: None };
			let (root, mut proof) = forged_shard::<T>(&deal, 0);
			deal.shards[0].root = root;
			proof.deal = id;
			Deals::<T>::insert(id, deal);
			proofs.push(proof);
		}
		let proofs: BoundedVec<_, T::MaxBatch> = proofs.try_into().expect("n <= MaxBatch");

		#[extrinsic_call]
		_(RawOrigin::Signed(provider_set[0].clone()), proofs);

		assert!(Deals::<T>::iter().all(|(_, deal)| matches!(
			deal.shards[0].state,
			ShardState::Stored { proven: Some(1), .. }
		) && deal.repair_reserve.is_zero()));
	}

	#[benchmark]
	fn renew() {
		let provider_set = providers::<T>(2, 1 << 30);
		let owner = owner::<T>();
		let id = active_deal::<T>(&owner, &provider_set);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, 1);

		assert_eq!(Deals::<T>::get(id).expect("deal").periods, 11);
	}

	/// An uploading deal with every shard but the first confirmed: the upload deposit is
	/// paid to `s - 1` providers and the treasury, the rest refunded.
	#[benchmark]
	fn cancel(s: Linear<2, { T::MaxShards::get() }>) {
		let s = s.min(u32::from(T::MaxDataShards::get()) + u32::from(T::MaxParityShards::get()));
		let provider_set = providers::<T>(s, 1 << 30);
		let owner = owner::<T>();
		let id = uploading_deal::<T>(&owner, &provider_set);
		for (number, provider) in provider_set.iter().enumerate().skip(1) {
			Pallet::<T>::do_confirm_shards(provider.clone(), &[(id, number as u8)])
				.expect("shard confirmed");
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);

		assert!(!Deals::<T>::contains_key(id));
		assert!(!UploadDeposits::<T>::contains_key(id));
	}

	/// `n` shards, each of its own active deal, handed back by their provider.
	#[benchmark]
	fn leave_shards(n: Linear<1, { T::MaxBatch::get() }>) {
		let provider_set = providers::<T>(2, 1 << 30);
		let owner = owner::<T>();
		let items: Vec<(DealId, u8)> =
			(0..n).map(|_| (active_deal::<T>(&owner, &provider_set), 0u8)).collect();
		let items: BoundedVec<_, T::MaxBatch> = items.try_into().expect("n <= MaxBatch");

		#[extrinsic_call]
		_(RawOrigin::Signed(provider_set[0].clone()), items.clone());

		assert!(items.iter().all(|(id, _)| LeavingShards::<T>::get(id) == 1));
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

	/// The selection step of a deal of `s` shards (the registry's `select` included; the
	/// runtime adds the registry's own `select_weight` on top, so this errs high).
	#[benchmark]
	fn select_providers(s: Linear<2, { T::MaxShards::get() }>) {
		let s = s.min(u32::from(T::MaxDataShards::get()) + u32::from(T::MaxParityShards::get()));
		providers::<T>(s, 1 << 30);
		let owner = owner::<T>();
		let (k, m) = split::<T>(s);
		let id = Pallet::<T>::do_create_deal(
			owner,
			manifest(k, m, 1 << 20),
			10,
			T::MinShardPrice::get(),
		)
		.expect("deal created");
		let due = Deals::<T>::get(id).expect("deal").due;
		System::<T>::set_block_number(due);
		DueCursor::<T>::put(due);

		#[block]
		{
			Pallet::<T>::run_due(due);
		}

		assert!(matches!(
			Deals::<T>::get(id).expect("deal").status,
			DealStatus::Uploading { round: 0 }
		));
	}

	/// The end of a period in which every one of `s` shards is missed for the last time
	/// allowed: each is refunded, its provider slashed, the shard lost and drawn anew.
	#[benchmark]
	fn end_period(s: Linear<2, { T::MaxShards::get() }>) {
		let s = s.min(u32::from(T::MaxDataShards::get()) + u32::from(T::MaxParityShards::get()));
		// Four times the providers, so lost shards find new ones.
		let provider_set = providers::<T>(4 * s, 1 << 30);
		let owner = owner::<T>();
		let id = active_deal::<T>(&owner, &provider_set[..s as usize]);
		let mut deal = Deals::<T>::get(id).expect("deal");
		for shard in deal.shards.iter_mut() {
			shard.missed = T::MaxMissedPeriods::get().saturating_sub(1);
		}
		let due = deal.due;
		// Every shard leaving too: the mask is read and removed.
		LeavingShards::<T>::insert(id, u64::MAX >> (64 - s));
		Deals::<T>::insert(id, deal);
		System::<T>::set_block_number(due);
		DueCursor::<T>::put(due);

		#[block]
		{
			Pallet::<T>::run_due(due);
		}

		let deal = Deals::<T>::get(id).expect("deal");
		assert_eq!(deal.period, 1);
		// Every shard was lost; nearly always each found a new provider (a draw can miss).
		assert!(deal
			.shards
			.iter()
			.all(|shard| !matches!(shard.state, ShardState::Stored { .. })));
	}

	/// The per-block cost does not depend on the number of deals: `on_initialize` of a block
	/// at which one deal's period ends, honestly (every one of its shards proven, so the
	/// step is the settlement and the next period's challenge seed), among `d` other live
	/// deals due at the blocks of the next period. The hook charges an honest period end
	/// this weight at `HONEST_DEADLINE_CHARGED_AT_DEALS` (any other step its worst case).
	#[benchmark]
	fn deadline_among_deals(d: Linear<10, { MAX_OTHER_DEALS }>) {
		let provider_set = providers::<T>(most_shards::<T>(), 1 << 30);
		let (ids, at) = proven_deals::<T>(1, &provider_set);
		let before = Deals::<T>::get(ids[0]).expect("deal");
		let crowd = Crowd::<T>::new(d, at, &provider_set);
		System::<T>::set_block_number(at);
		DueCursor::<T>::put(at);

		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}

		let after = Deals::<T>::get(ids[0]).expect("deal");
		assert_eq!(after.escrow, before.escrow, "nothing refunded: every shard was proven");
		assert_honest_period_end::<T>(&ids, at);
		assert!(crowd.untouched(d, 1));
	}

	/// `on_initialize` at the bound: `n` honest period ends at one block, up to
	/// `MaxDealsPerBlock` and every one of them stepped, among [`MAX_OTHER_DEALS`] other live
	/// deals. The runtime checks that the bound's weight fits in `MaxScheduleWeight`.
	#[benchmark]
	fn deadlines_at_bound(n: Linear<1, { T::MaxDealsPerBlock::get() }>) {
		let provider_set = providers::<T>(most_shards::<T>(), 1 << 30);
		let (ids, at) = proven_deals::<T>(n, &provider_set);
		let crowd = Crowd::<T>::new(MAX_OTHER_DEALS, at, &provider_set);
		System::<T>::set_block_number(at);
		DueCursor::<T>::put(at);

		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}

		assert_honest_period_end::<T>(&ids, at);
		assert!(crowd.untouched(MAX_OTHER_DEALS, n));
	}

	/// The same with a selection due: `on_initialize` of the block at which a deal of
	/// `MaxShards` shards draws its providers, among `d` other live deals due later.
	#[benchmark]
	fn selection_among_deals(d: Linear<10, { MAX_OTHER_DEALS }>) {
		let s = most_shards::<T>();
		let provider_set = providers::<T>(s, 1 << 30);
		let owner = owner::<T>();
		let (k, m) = split::<T>(s);
		let id = Pallet::<T>::do_create_deal(
			owner,
			manifest(k, m, 1 << 20),
			10,
			T::MinShardPrice::get(),
		)
		.expect("deal created");
		let at = Deals::<T>::get(id).expect("deal").due;
		let crowd = Crowd::<T>::new(d, at, &provider_set);
		System::<T>::set_block_number(at);
		DueCursor::<T>::put(at);

		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}

		let deal = Deals::<T>::get(id).expect("deal");
		assert_eq!(deal.status, DealStatus::Uploading { round: 0 });
		assert!(deal.shards.iter().all(|shard| shard.provider.is_some()));
		assert_eq!(DueCursor::<T>::get(), at.saturating_add(1u32.into()));
		assert!(crowd.untouched(d, 1));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::tests::ExtBuilder::default().build(),
		crate::tests::Test
	);
}
