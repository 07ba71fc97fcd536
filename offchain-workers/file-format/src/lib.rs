//! The XMBL file format: the [`Manifest`] and the streaming pipeline between a file and its
//! shards.
//!
//! [`encode`] reads a file once through [`std::io::Read`]: each segment is encrypted
//! (AES-256-GCM, STREAM; unless the file is public), erasure-coded into `k + m` pieces, and
//! piece `i` of every segment is appended to shard writer `i` and hashed into shard `i`'s root.
//! Batches of segments are processed in parallel on the rayon pool, so memory is bounded by the
//! batch, not the file. [`decode`] verifies every offered shard against its root first, then
//! rebuilds the file from the first `k` good ones. [`rebuild`] repairs lost shards the same way,
//! without the key (erasure coding works on the stored, encrypted bytes), and checks each
//! rebuilt shard against its root.
//!
//! The manifest types build without `std` (the runtime checks and stores manifests); the
//! `pipeline` feature (on by default) adds the pipeline, which needs `std`.
//! `DESIGN.md` documents the format byte by byte.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod manifest;
#[cfg(feature = "pipeline")]
mod pipeline;

pub use manifest::*;
#[cfg(feature = "pipeline")]
pub use pipeline::*;
