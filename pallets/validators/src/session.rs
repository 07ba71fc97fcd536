//! The pallet as the session pallet's validator source and the offences pallet's handler.

use crate::{Config, Event, Pallet, SetChanged, Validators, WeightInfo};
use alloc::vec::Vec;
use polkadot_sdk::{
	frame_support::weights::Weight,
	sp_runtime::{traits::Convert, Perbill},
	sp_staking::{
		offence::{OffenceDetails, OffenceSeverity, OnOffenceHandler},
		SessionIndex,
	},
};

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	/// The set for session `new_index`, when it changed since the last planned session.
	fn new_session(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		SetChanged::<T>::take().then(|| Validators::<T>::get().into_inner())
	}

	/// Genesis sessions 0 and 1 use the genesis validators.
	fn new_session_genesis(_new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		Some(Validators::<T>::get().into_inner())
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}

/// A validator's full identification for `pallet_session::historical`: `()`, since
/// validators have no exposure to record and the account alone identifies them.
pub struct UnitIdentification;

impl<AccountId> Convert<AccountId, Option<()>> for UnitIdentification {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

/// Validators carry no identification beyond their account: there is no exposure to
/// slash, so a key-owner proof names the account alone.
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|validators| validators.into_iter().map(|v| (v, ())).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, ())>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|validators| validators.into_iter().map(|v| (v, ())).collect())
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(_start_index: SessionIndex) {}
}

impl<T: Config> OnOffenceHandler<T::AccountId, (T::AccountId, ()), Weight> for Pallet<T> {
	/// Disable each offender now and remove it from the set from the next planned session
	/// on. An offender reported again (the offences pallet passes earlier offenders of the
	/// same kind and time slot too) is already out and is left alone.
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, ())>],
		slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		let mut weight = Weight::zero();
		for (details, fraction) in offenders.iter().zip(slash_fraction) {
			let (who, ()) = &details.offender;
			weight.saturating_accrue(<T as Config>::WeightInfo::on_offence());
			pallet_session::Pallet::<T>::report_offence(who.clone(), OffenceSeverity(*fraction));
			if !Validators::<T>::get().contains(who) {
				continue;
			}
			let event = match Self::do_remove(who) {
				Ok(()) => Event::OffenderRemoved { who: who.clone(), session },
				Err(_) => Event::OffenderKept { who: who.clone(), session },
			};
			Self::deposit_event(event);
		}
		weight
	}
}
