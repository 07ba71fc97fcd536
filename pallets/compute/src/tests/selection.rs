//! Selection: a job's workers are drawn in `on_initialize` of the block `SelectionDelay`
//! blocks after its submission, from that block's randomness, one compute slot each.

use super::*;
use xmbl_primitives::{ProviderRegistry, ProviderRole};

/// The hook draws exactly what `select` gives for the documented seed at the selection
/// block, takes one slot of each worker, indexes their duties and emits the event; nothing
/// is drawn before. Fails if the seed, the block, the slots or the event differ.
#[test]
fn workers_are_drawn_at_the_selection_block_from_its_randomness() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		assert_eq!(RandomDraws::get(), vec![]);
		run_to_block(SELECTION_DELAY);
		assert_eq!(job(id).status, JobStatus::Selecting);

		System::set_block_number(1 + SELECTION_DELAY);
		let seed = expected_seed(b"xmbl/compute/select", id, 0, 1 + SELECTION_DELAY);
		let expected = <Providers as ProviderRegistry<AccountId, Balance>>::select(
			ProviderRole::Compute,
			3,
			seed,
			&[],
			REWARD / 3,
		)
		.expect("enough providers");
		System::reset_events();
		Compute::on_initialize(1 + SELECTION_DELAY);
		assert_eq!(seated(id), expected);
		let until = 1 + SELECTION_DELAY + COMMIT_WINDOW;
		assert_eq!((job(id).status, job(id).due), (JobStatus::Committing, until));
		for who in &expected {
			assert_eq!(slots_used(*who), 1);
			assert!(WorkerJobs::<Test>::contains_key(who, id));
		}
		assert_eq!(
			compute_events(),
			vec![Event::WorkersAssigned { job: id, round: 0, workers: expected, until }]
		);
	});
}

/// Different randomness at the selection block draws different workers; the submission
/// block's randomness changes nothing. Fails if the draw ignores the selection block's
/// randomness or depends on the submission block's.
#[test]
fn only_the_selection_blocks_randomness_chooses_the_workers() {
	let chosen = |salt_at: fn(u64) -> u64| {
		let mut chosen = Vec::new();
		ExtBuilder::default().providers(12).build_and_execute(|| {
			set_salt(salt_at(1));
			let id = submit(CLIENT, 3, REWARD);
			for block in 2..=1 + SELECTION_DELAY {
				set_salt(salt_at(block));
				run_to_block(block);
			}
			chosen = seated(id);
		});
		chosen
	};
	let baseline = chosen(|_| 0);
	assert_eq!(chosen(|block| if block == 1 { 9 } else { 0 }), baseline);
	let mut outcomes = vec![baseline.clone()];
	outcomes.push(chosen(|block| if block == 3 { 1 } else { 0 }));
	outcomes.push(chosen(|block| if block == 3 { 2 } else { 0 }));
	outcomes.push(chosen(|block| if block == 3 { 3 } else { 0 }));
	outcomes.sort();
	outcomes.dedup();
	assert!(outcomes.len() >= 3, "only {} distinct choices", outcomes.len());
}

/// Providers leave between submission and selection: the job fails, the whole reward goes
/// back, no slot stays taken. Fails if anything stays held or assigned, or the events differ.
#[test]
fn too_few_providers_at_selection_fail_the_job_and_refund_it() {
	ExtBuilder::default().providers(3).build_and_execute(|| {
		let id = submit(CLIENT, 3, REWARD);
		assert_ok!(Providers::announce_exit(RuntimeOrigin::signed(3)));
		System::reset_events();
		run_to_block(1 + SELECTION_DELAY);
		assert_eq!(escrowed(CLIENT), 0);
		assert_eq!(free(CLIENT), ENDOWMENT);
		assert_eq!(job(id).status, JobStatus::Failed(JobFailure::NotEnoughProviders));
		assert_eq!((job(id).escrow, job(id).due), (0, 1 + SELECTION_DELAY + RETENTION));
		assert!((1..=3).all(|who| slots_used(who) == 0));
		assert_eq!(WorkerJobs::<Test>::iter().count(), 0);
		assert_eq!(
			compute_events(),
			vec![
				Event::JobRefunded { job: id, amount: REWARD },
				Event::JobFailed { job: id, reason: JobFailure::NotEnoughProviders },
			]
		);
	});
}

/// Providers whose minimum price is above the per-replica share (`reward / replicas`) are
/// not drawn. Fails if one of them is drawn, or the others are not.
#[test]
fn providers_asking_more_than_the_share_are_not_drawn() {
	ExtBuilder::default().providers(5).build_and_execute(|| {
		for who in [1, 2] {
			assert_ok!(Providers::update(RuntimeOrigin::signed(who), None, None, None, Some(101)));
		}
		let id = submit(CLIENT, 3, REWARD);
		let mut workers = run_selection(id);
		workers.sort();
		assert_eq!(workers, vec![3, 4, 5]);
	});
}

/// A provider with one slot left is drawn once and then full: a second job finds it out of
/// the index. Fails if a slot is taken twice or not released at the end.
#[test]
fn each_worker_takes_one_slot_until_its_part_ends() {
	ExtBuilder::default().providers(3).build_and_execute(|| {
		let first = submit(CLIENT, 3, REWARD);
		let second = submit(CLIENT, 3, REWARD);
		run_to_block(1 + SELECTION_DELAY);
		assert!((1..=3).all(|who| slots_used(who) == 2));
		let result = success(b"out", 5);
		for id in [first, second] {
			for who in seated(id) {
				assert_ok!(commit(who, id, &result));
			}
			for who in seated(id) {
				assert_ok!(reveal(who, id, &result));
			}
		}
		run_to_block(System::block_number() + 1);
		assert!((1..=3).all(|who| slots_used(who) == 0));
	});
}
