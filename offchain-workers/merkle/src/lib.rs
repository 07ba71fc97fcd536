//! Merkle proofs for XMBL shards, on BLAKE3's own chunk tree.
//!
//! A shard's root is the plain `blake3::hash` of its bytes, so clients and providers compute
//! it with any streaming BLAKE3 hasher. The tree's leaves are groups of 2^[`LEAF_LOG`] BLAKE3
//! chunks ([`LEAF_LEN`] bytes, the last one possibly shorter); BLAKE3's left subtrees are
//! always complete, so leaf groups are subtrees of BLAKE3's tree and every node of this tree
//! is a BLAKE3 chaining value.
//!
//! - [`outboard`] / [`OutboardBuilder`]: the root and all parent nodes of a shard, kept
//!   beside it so proofs need no rehashing (layout in DESIGN.md).
//! - [`prove`] / [`prove_with`]: one combined proof for a set of leaves.
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
pub use layout::{Layout, CHUNK_LEN, LEAF_LEN, LEAF_LOG, MAX_LEAF_LOG, PARENT_LEN};
#[cfg(feature = "std")]
pub use outboard::outboard_from_reader;
pub use outboard::{outboard, OutboardBuilder};
pub use proof::{
	proof_len, prove, prove_with, root_from_proof, verify, verify_layout, IndexError, Proof,
	ProveError, VerifyError, MAX_PROOF_LEAVES, MAX_PROOF_NODES,
};
