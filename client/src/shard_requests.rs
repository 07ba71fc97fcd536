//! Signed shard requests. A shard server takes a `PUT`, and serves a `GET` of a private
//! (encrypted) deal's shard, only for a request signed by the deal's owner or by a provider
//! the chain assigned to repair a shard of that deal. The signature covers the method, the
//! shard root, the provider the request is for and an expiry, so a request seen on the wire
//! cannot be sent to another provider, turned from a `GET` into a `PUT`, or replayed after it
//! expires. Three headers carry it:
//!
//! - `x-xmbl-signer`: the signing account (SS58),
//! - `x-xmbl-expires`: when the request expires, in Unix seconds,
//! - `x-xmbl-signature`: the sr25519 signature of [`message`], hex.

use polkadot_sdk::sp_core::{crypto::Ss58Codec, sr25519, Pair};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use xmbl_runtime::AccountId;

/// Header naming the signing account.
pub const SIGNER_HEADER: &str = "x-xmbl-signer";
/// Header with the expiry, in Unix seconds.
pub const EXPIRES_HEADER: &str = "x-xmbl-expires";
/// Header with the signature, hex.
pub const SIGNATURE_HEADER: &str = "x-xmbl-signature";

/// How long a request signed here is valid. Only its start is checked: an upload that
/// began in time may take longer.
pub const REQUEST_LIFETIME: Duration = Duration::from_secs(300);
/// The latest expiry a server accepts, from now: a longer one is refused, so that a leaked
/// request is useful for minutes only (twice [`REQUEST_LIFETIME`] leaves room for clock skew).
pub const MAX_REQUEST_LIFETIME: Duration = Duration::from_secs(600);

/// What a signed request asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ShardMethod {
	Put,
	Get,
}

impl ShardMethod {
	fn tag(self) -> u8 {
		match self {
			Self::Put => 1,
			Self::Get => 2,
		}
	}
}

/// The bytes signed: a domain tag, the method, the shard root, the provider the request is
/// for, and the expiry.
pub fn message(
	method: ShardMethod,
	root: &[u8; 32],
	provider: &AccountId,
	expires: u64,
) -> Vec<u8> {
	let mut message = b"xmbl/shard-request/1".to_vec();
	message.push(method.tag());
	message.extend_from_slice(root);
	message.extend_from_slice(provider.as_ref());
	message.extend_from_slice(&expires.to_le_bytes());
	message
}

/// Who signs shard requests, and for which provider.
#[derive(Clone, Copy)]
pub struct RequestSigner<'a> {
	pub key: &'a sr25519::Pair,
	pub provider: &'a AccountId,
}

impl RequestSigner<'_> {
	/// The three headers of a `method` request for `root`, valid for [`REQUEST_LIFETIME`].
	pub fn headers(&self, method: ShardMethod, root: &[u8; 32]) -> [(&'static str, String); 3] {
		let expires = unix_now() + REQUEST_LIFETIME.as_secs();
		let signature = self.key.sign(&message(method, root, self.provider, expires));
		[
			(SIGNER_HEADER, AccountId::from(self.key.public()).to_ss58check()),
			(EXPIRES_HEADER, expires.to_string()),
			(SIGNATURE_HEADER, hex::encode(signature.0)),
		]
	}
}

/// Why a request's signature was not accepted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestAuthError {
	#[error("the request is not signed: it needs the headers x-xmbl-signer, x-xmbl-expires and x-xmbl-signature")]
	Unsigned,
	#[error("malformed {0} header")]
	Malformed(&'static str),
	#[error("the request expired at {expires} (now {now})")]
	Expired { expires: u64, now: u64 },
	#[error("the request expires at {expires}, more than {} s from now ({now})", MAX_REQUEST_LIFETIME.as_secs())]
	TooLongLived { expires: u64, now: u64 },
	#[error("the signature does not match the request")]
	BadSignature,
}

/// The account that signed a `method` request for `root` addressed to `provider`, read
/// from its headers (`header(name)` returns a header's value); `Ok(None)` if it carries
/// none of the three headers.
pub fn verify<'h>(
	header: impl Fn(&'static str) -> Option<&'h str>,
	method: ShardMethod,
	root: &[u8; 32],
	provider: &AccountId,
	now: u64,
) -> Result<Option<AccountId>, RequestAuthError> {
	let (signer, expires, signature) =
		match (header(SIGNER_HEADER), header(EXPIRES_HEADER), header(SIGNATURE_HEADER)) {
			(None, None, None) => return Ok(None),
			(Some(signer), Some(expires), Some(signature)) => (signer, expires, signature),
			_ => return Err(RequestAuthError::Unsigned),
		};
	let signer = AccountId::from_ss58check(signer.trim())
		.map_err(|_| RequestAuthError::Malformed(SIGNER_HEADER))?;
	let expires: u64 = expires
		.trim()
		.parse()
		.map_err(|_| RequestAuthError::Malformed(EXPIRES_HEADER))?;
	let mut bytes = [0u8; 64];
	hex::decode_to_slice(signature.trim(), &mut bytes)
		.map_err(|_| RequestAuthError::Malformed(SIGNATURE_HEADER))?;
	if expires < now {
		return Err(RequestAuthError::Expired { expires, now });
	}
	if expires > now + MAX_REQUEST_LIFETIME.as_secs() {
		return Err(RequestAuthError::TooLongLived { expires, now });
	}
	let public = sr25519::Public::from_raw(*signer.as_ref());
	let valid = sr25519::Pair::verify(
		&sr25519::Signature::from_raw(bytes),
		message(method, root, provider, expires),
		&public,
	);
	if !valid {
		return Err(RequestAuthError::BadSignature);
	}
	Ok(Some(signer))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::collections::HashMap;

	const ROOT: [u8; 32] = [7; 32];

	fn accounts() -> (sr25519::Pair, AccountId, AccountId) {
		let owner = sr25519::Pair::from_string("//Alice", None).unwrap();
		let provider = AccountId::from(sr25519::Pair::from_string("//Bob", None).unwrap().public());
		let other =
			AccountId::from(sr25519::Pair::from_string("//Charlie", None).unwrap().public());
		(owner, provider, other)
	}

	fn signed(
		key: &sr25519::Pair,
		provider: &AccountId,
		method: ShardMethod,
	) -> HashMap<&'static str, String> {
		RequestSigner { key, provider }.headers(method, &ROOT).into_iter().collect()
	}

	fn check(
		headers: &HashMap<&'static str, String>,
		method: ShardMethod,
		root: &[u8; 32],
		provider: &AccountId,
		now: u64,
	) -> Result<Option<AccountId>, RequestAuthError> {
		verify(|name| headers.get(name).map(String::as_str), method, root, provider, now)
	}

	/// How it fails: a verifier that ignores a signed field accepts one of the altered
	/// requests below; one that checks nothing returns no signer or the wrong one.
	#[test]
	fn a_signature_binds_method_root_provider_and_expiry() {
		let (owner, provider, other) = accounts();
		let now = unix_now();
		let headers = signed(&owner, &provider, ShardMethod::Put);
		assert_eq!(
			check(&headers, ShardMethod::Put, &ROOT, &provider, now),
			Ok(Some(AccountId::from(owner.public())))
		);
		let bad = Err(RequestAuthError::BadSignature);
		assert_eq!(check(&headers, ShardMethod::Get, &ROOT, &provider, now), bad);
		assert_eq!(check(&headers, ShardMethod::Put, &[8; 32], &provider, now), bad);
		assert_eq!(check(&headers, ShardMethod::Put, &ROOT, &other, now), bad);
		let mut later = headers.clone();
		later.insert(EXPIRES_HEADER, (now + 400).to_string());
		assert_eq!(check(&later, ShardMethod::Put, &ROOT, &provider, now), bad);
		let mut impostor = headers.clone();
		impostor.insert(SIGNER_HEADER, other.to_ss58check());
		assert_eq!(check(&impostor, ShardMethod::Put, &ROOT, &provider, now), bad);
	}

	#[test]
	fn expired_far_future_partial_and_malformed_requests_are_refused() {
		let (owner, provider, _) = accounts();
		let now = unix_now();
		let headers = signed(&owner, &provider, ShardMethod::Get);
		let expires: u64 = headers[EXPIRES_HEADER].parse().unwrap();
		assert_eq!(
			check(&headers, ShardMethod::Get, &ROOT, &provider, expires + 1),
			Err(RequestAuthError::Expired { expires, now: expires + 1 })
		);
		let early = expires - MAX_REQUEST_LIFETIME.as_secs() - 1;
		assert_eq!(
			check(&headers, ShardMethod::Get, &ROOT, &provider, early),
			Err(RequestAuthError::TooLongLived { expires, now: early })
		);
		assert_eq!(check(&HashMap::new(), ShardMethod::Get, &ROOT, &provider, now), Ok(None));
		let mut partial = headers.clone();
		partial.remove(SIGNATURE_HEADER);
		assert_eq!(
			check(&partial, ShardMethod::Get, &ROOT, &provider, now),
			Err(RequestAuthError::Unsigned)
		);
		for (name, value) in
			[(SIGNER_HEADER, "nobody"), (EXPIRES_HEADER, "soon"), (SIGNATURE_HEADER, "00")]
		{
			let mut malformed = headers.clone();
			malformed.insert(name, value.into());
			assert_eq!(
				check(&malformed, ShardMethod::Get, &ROOT, &provider, now),
				Err(RequestAuthError::Malformed(name))
			);
		}
	}
}
