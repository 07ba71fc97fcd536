//! The logic behind the calls and the trait implementations, one file per area.
//!
//! Every `do_*` function checks everything it can before it changes storage, so an `Err`
//! leaves no trace even when called outside a transactional dispatch.

pub(crate) mod escrow;
pub(crate) mod registration;
pub(crate) mod selection;
pub(crate) mod slashing;
pub(crate) mod unbonding;
