//! Merkle proofs for XMBL shards, on BLAKE3's own chunk tree.
//!
//! A shard's root is the plain `blake3::hash` of its bytes, so clients and providers compute
//! it with any streaming BLAKE3 hasher. The tree's leaves are runs of 2^[`LEAF_LOG`] BLAKE3
//! chunks ([`LEAF_LEN`] bytes, the last one possibly shorter); BLAKE3's left subtrees are
//! always complete, so leaves are subtrees of BLAKE3's tree and every node of this tree is a
//! BLAKE3 chaining value.
//!
//! - [`outboard`] / [`OutboardBuilder`]: the root and the parent nodes above groups of
//!   2^[`GROUP_LOG`] chunks ([`GROUP_LEN`] bytes), kept beside the shard (layout in
//!   DESIGN.md).
//! - [`prove`] / [`prove_with`]: one combined proof for a set of leaves, from the outboard
//!   and the groups holding those leaves, which are rehashed.
//! - [`verify`]: the verifier for the runtime: `no_std`, panic-free, bounded work.
//! - [`challenged_leaves`]: the leaves a seed challenges, for the runtime and providers alike.
//!
//! The crate is `no_std` with `alloc`; the `std` feature (default) adds
//! [`outboard_from_reader`] and forwards `std` to the dependencies.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod challenge;
mod layout;
mod outboard;
mod proof;

pub use challenge::{challenged_leaves, challenged_leaves_in};
pub use layout::{
	Layout, CHUNK_LEN, GROUP_LEN, GROUP_LOG, LEAF_LEN, LEAF_LOG, MAX_LEAF_LOG, PARENT_LEN,
};
#[cfg(feature = "std")]
pub use outboard::outboard_from_reader;
pub use outboard::{outboard, OutboardBuilder};
pub use proof::{
	proof_len, prove, prove_with, root_from_proof, verify, verify_layout, IndexError, Proof,
	ProveError, VerifyError, MAX_PROOF_LEAVES, MAX_PROOF_NODES,
};
