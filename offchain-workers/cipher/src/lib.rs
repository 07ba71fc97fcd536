//! Encryption of XMBL files: AES-256-GCM per segment in the STREAM construction.
//!
//! A file is encrypted segment by segment. Segment `i` is sealed under the file key with the
//! 96-bit nonce `prefix (7 bytes) || i (u32, big-endian) || last (1 byte: 1 for the final
//! segment, 0 otherwise)`, and its 16-byte tag is appended. The per-file random prefix binds a
//! segment to its file, the counter to its position, the flag to the end of the stream: a
//! segment moved to another place or file, a stream cut short (its new last segment was sealed
//! with flag 0) or extended each fail authentication, exactly like a wrong key or a flipped bit.
//!
//! The file key never leaves the client. [`FileKey::derive`] computes it with HKDF-SHA256 from
//! the owner's secret and the file's random salt (kept in the manifest), so the owner needs only
//! the secret to read the file back anywhere; [`FileKey::from_bytes`] takes a raw 32-byte key,
//! e.g. one handed out to share a single file. Keys are zeroized when dropped.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use zeroize::Zeroize;

/// Bytes of a file key.
pub const KEY_LEN: usize = 32;
/// Bytes of the per-file salt the key is derived with.
pub const SALT_LEN: usize = 32;
/// Bytes of the per-file nonce prefix.
pub const NONCE_PREFIX_LEN: usize = 7;
/// Bytes of authentication tag appended to every sealed segment.
pub const TAG_LEN: usize = 16;
/// HKDF `info` of the file key: names the purpose and version of the derivation.
const FILE_KEY_INFO: &[u8] = b"xmbl/file-key/aes-256-gcm-stream/v1";

/// Why a segment could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
	#[error(
		"segment {segment} failed authentication: wrong key, or the data was altered, \
		 reordered, truncated or taken from another file"
	)]
	Authentication { segment: u32 },
	#[error("sealed segment {segment} is {len} bytes, shorter than its {TAG_LEN}-byte tag")]
	TooShort { segment: u32, len: usize },
	#[error("segment {segment} was sealed after the last segment of the stream")]
	AfterLast { segment: u32 },
	#[error("a stream holds at most 2^32 segments")]
	TooManySegments,
	#[error("the stream ended before its last segment: it was truncated")]
	Truncated,
	#[error("key material is not usable: {0}")]
	Key(&'static str),
	#[error("the system random number generator failed")]
	Random,
}

/// A 32-byte AES-256 file key; zeroized on drop, never printed.
#[derive(Clone)]
pub struct FileKey([u8; KEY_LEN]);

impl Drop for FileKey {
	fn drop(&mut self) {
		self.0.zeroize();
	}
}

impl core::fmt::Debug for FileKey {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("FileKey(<redacted>)")
	}
}

impl FileKey {
	/// Derives a file's key from the owner's secret (e.g. the seed of their secret URI) and the
	/// file's salt: `HKDF-SHA256(ikm = secret, salt = salt, info = "xmbl/file-key/...")`.
	pub fn derive(owner_secret: &[u8], salt: &[u8; SALT_LEN]) -> Result<Self, CipherError> {
		if owner_secret.is_empty() {
			return Err(CipherError::Key("the owner secret is empty"));
		}
		let mut key = [0u8; KEY_LEN];
		hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt[..]), owner_secret)
			.expand(FILE_KEY_INFO, &mut key)
			.map_err(|_| CipherError::Key("HKDF output length"))?;
		Ok(Self(key))
	}

	/// A raw key, e.g. read from a key file to open one shared file.
	pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
		Self(bytes)
	}

	/// The raw bytes, to hand the key of one file to someone else.
	pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
		&self.0
	}
}

/// Fills `out` from the operating system's random number generator.
pub fn fill_random(out: &mut [u8]) -> Result<(), CipherError> {
	use ring::rand::SecureRandom;
	ring::rand::SystemRandom::new().fill(out).map_err(|_| CipherError::Random)
}

/// A fresh random salt for [`FileKey::derive`].
pub fn random_salt() -> Result<[u8; SALT_LEN], CipherError> {
	let mut salt = [0u8; SALT_LEN];
	fill_random(&mut salt)?;
	Ok(salt)
}

/// A fresh random nonce prefix for [`SegmentCipher::new`].
pub fn random_nonce_prefix() -> Result<[u8; NONCE_PREFIX_LEN], CipherError> {
	let mut prefix = [0u8; NONCE_PREFIX_LEN];
	fill_random(&mut prefix)?;
	Ok(prefix)
}

/// Seals and opens the segments of one file by position. Stateless, so segments can be
/// processed in parallel; the caller states which segment is the last
/// ([`StreamEncryptor`]/[`StreamDecryptor`] keep that state for sequential use).
pub struct SegmentCipher {
	key: LessSafeKey,
	nonce_prefix: [u8; NONCE_PREFIX_LEN],
}

impl SegmentCipher {
	pub fn new(key: &FileKey, nonce_prefix: [u8; NONCE_PREFIX_LEN]) -> Self {
		let unbound = UnboundKey::new(&AES_256_GCM, &key.0).expect("AES-256 takes 32-byte keys");
		Self { key: LessSafeKey::new(unbound), nonce_prefix }
	}

	fn nonce(&self, segment: u32, last: bool) -> Nonce {
		let mut nonce = [0u8; 12];
		nonce[..NONCE_PREFIX_LEN].copy_from_slice(&self.nonce_prefix);
		nonce[NONCE_PREFIX_LEN..11].copy_from_slice(&segment.to_be_bytes());
		nonce[11] = u8::from(last);
		Nonce::assume_unique_for_key(nonce)
	}

	/// Encrypts `buffer[..len - TAG_LEN]` in place and writes the tag into its last
	/// [`TAG_LEN`] bytes, so a buffer sized for plaintext + tag needs no reallocation.
	pub fn seal_in_place(
		&self,
		segment: u32,
		last: bool,
		buffer: &mut [u8],
	) -> Result<(), CipherError> {
		let plaintext_len = buffer
			.len()
			.checked_sub(TAG_LEN)
			.ok_or(CipherError::TooShort { segment, len: buffer.len() })?;
		let (plaintext, tag_out) = buffer.split_at_mut(plaintext_len);
		let tag = self
			.key
			.seal_in_place_separate_tag(self.nonce(segment, last), Aad::empty(), plaintext)
			.map_err(|_| CipherError::Key("AES-GCM refused the input length"))?;
		tag_out.copy_from_slice(tag.as_ref());
		Ok(())
	}

	/// Authenticates and decrypts a sealed segment (ciphertext followed by its tag) in place and
	/// returns the plaintext, `buffer[..len - TAG_LEN]`. Nothing is returned unless the whole
	/// segment is authentic for this key, file, position and last flag.
	pub fn open_in_place<'a>(
		&self,
		segment: u32,
		last: bool,
		buffer: &'a mut [u8],
	) -> Result<&'a mut [u8], CipherError> {
		if buffer.len() < TAG_LEN {
			return Err(CipherError::TooShort { segment, len: buffer.len() });
		}
		self.key
			.open_in_place(self.nonce(segment, last), Aad::empty(), buffer)
			.map_err(|_| CipherError::Authentication { segment })
	}
}

/// Seals segments one after the other, counting them and refusing any after the last.
pub struct StreamEncryptor {
	cipher: SegmentCipher,
	next: Option<u32>,
	finished: bool,
}

impl StreamEncryptor {
	pub fn new(key: &FileKey, nonce_prefix: [u8; NONCE_PREFIX_LEN]) -> Self {
		Self { cipher: SegmentCipher::new(key, nonce_prefix), next: Some(0), finished: false }
	}

	/// Seals the next segment in place (see [`SegmentCipher::seal_in_place`]).
	pub fn seal_next(&mut self, last: bool, buffer: &mut [u8]) -> Result<(), CipherError> {
		let segment = self.next.ok_or(CipherError::TooManySegments)?;
		if self.finished {
			return Err(CipherError::AfterLast { segment });
		}
		self.cipher.seal_in_place(segment, last, buffer)?;
		self.next = segment.checked_add(1);
		self.finished = last;
		Ok(())
	}
}

/// Opens segments one after the other; [`StreamDecryptor::finish`] tells a stream that ended
/// before its last segment from a complete one.
pub struct StreamDecryptor {
	cipher: SegmentCipher,
	next: Option<u32>,
	finished: bool,
}

impl StreamDecryptor {
	pub fn new(key: &FileKey, nonce_prefix: [u8; NONCE_PREFIX_LEN]) -> Self {
		Self { cipher: SegmentCipher::new(key, nonce_prefix), next: Some(0), finished: false }
	}

	/// Opens the next segment in place; `last` says whether the caller believes it is the
	/// final one, and authentication fails if the sender did not seal it so.
	pub fn open_next<'a>(
		&mut self,
		last: bool,
		buffer: &'a mut [u8],
	) -> Result<&'a mut [u8], CipherError> {
		let segment = self.next.ok_or(CipherError::TooManySegments)?;
		if self.finished {
			return Err(CipherError::AfterLast { segment });
		}
		let plaintext = self.cipher.open_in_place(segment, last, buffer)?;
		self.next = segment.checked_add(1);
		self.finished = last;
		Ok(plaintext)
	}

	/// Ok only if the last segment was opened.
	pub fn finish(self) -> Result<(), CipherError> {
		if self.finished {
			Ok(())
		} else {
			Err(CipherError::Truncated)
		}
	}
}

#[cfg(test)]
mod tests;
