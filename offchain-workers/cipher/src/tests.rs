use super::*;
use proptest::prelude::*;

const PREFIX: [u8; NONCE_PREFIX_LEN] = [1, 2, 3, 4, 5, 6, 7];

fn key(byte: u8) -> FileKey {
	FileKey::from_bytes([byte; KEY_LEN])
}

/// Seals `segments` as one stream; each returned buffer is ciphertext || tag.
fn seal_stream(key: &FileKey, prefix: [u8; NONCE_PREFIX_LEN], segments: &[&[u8]]) -> Vec<Vec<u8>> {
	let mut encryptor = StreamEncryptor::new(key, prefix);
	segments
		.iter()
		.enumerate()
		.map(|(index, plaintext)| {
			let mut buffer = plaintext.to_vec();
			buffer.extend_from_slice(&[0; TAG_LEN]);
			encryptor.seal_next(index + 1 == segments.len(), &mut buffer).unwrap();
			buffer
		})
		.collect()
}

/// Opens `sealed` as one stream, the last element flagged last.
fn open_stream(
	key: &FileKey,
	prefix: [u8; NONCE_PREFIX_LEN],
	sealed: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, CipherError> {
	let mut decryptor = StreamDecryptor::new(key, prefix);
	let mut out = Vec::new();
	for (index, segment) in sealed.iter().enumerate() {
		let mut buffer = segment.clone();
		out.push(decryptor.open_next(index + 1 == sealed.len(), &mut buffer)?.to_vec());
	}
	decryptor.finish()?;
	Ok(out)
}

const SEGMENTS: [&[u8]; 3] = [b"first segment...", b"second segment..", b"end"];

#[test]
fn stream_round_trips_and_ciphertext_differs_from_plaintext() {
	let sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	assert_eq!(sealed[0].len(), SEGMENTS[0].len() + TAG_LEN);
	assert_ne!(&sealed[0][..SEGMENTS[0].len()], SEGMENTS[0]);
	let opened = open_stream(&key(9), PREFIX, &sealed).unwrap();
	assert_eq!(opened, SEGMENTS.map(<[u8]>::to_vec));
}

#[test]
fn empty_segment_is_just_a_tag_and_authenticated() {
	let sealed = seal_stream(&key(1), PREFIX, &[b""]);
	assert_eq!(sealed[0].len(), TAG_LEN);
	assert_eq!(open_stream(&key(1), PREFIX, &sealed).unwrap(), vec![Vec::<u8>::new()]);
	assert_eq!(
		open_stream(&key(2), PREFIX, &sealed),
		Err(CipherError::Authentication { segment: 0 })
	);
}

#[test]
fn wrong_key_fails() {
	let sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	assert_eq!(
		open_stream(&key(8), PREFIX, &sealed),
		Err(CipherError::Authentication { segment: 0 })
	);
}

#[test]
fn every_flipped_bit_fails() {
	let sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	for segment in 0..sealed.len() {
		for bit in 0..sealed[segment].len() * 8 {
			let mut tampered = sealed.clone();
			tampered[segment][bit / 8] ^= 1 << (bit % 8);
			assert_eq!(
				open_stream(&key(9), PREFIX, &tampered),
				Err(CipherError::Authentication { segment: segment as u32 })
			);
		}
	}
}

#[test]
fn swapped_segments_fail() {
	let mut sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	sealed.swap(0, 1);
	assert_eq!(
		open_stream(&key(9), PREFIX, &sealed),
		Err(CipherError::Authentication { segment: 0 })
	);
}

#[test]
fn segment_from_another_file_fails() {
	let mut sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	let other = seal_stream(&key(9), [7; NONCE_PREFIX_LEN], &SEGMENTS);
	sealed[1] = other[1].clone();
	assert_eq!(
		open_stream(&key(9), PREFIX, &sealed),
		Err(CipherError::Authentication { segment: 1 })
	);
}

#[test]
fn truncated_stream_fails() {
	let sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	// Dropping the last segment: the new last one was not sealed as last.
	assert_eq!(
		open_stream(&key(9), PREFIX, &sealed[..2]),
		Err(CipherError::Authentication { segment: 1 })
	);
	// A reader that stops early without claiming the end is told the stream is incomplete.
	let mut decryptor = StreamDecryptor::new(&key(9), PREFIX);
	decryptor.open_next(false, &mut sealed[0].clone()).unwrap();
	assert_eq!(decryptor.finish(), Err(CipherError::Truncated));
}

#[test]
fn extended_stream_fails() {
	let mut sealed = seal_stream(&key(9), PREFIX, &SEGMENTS);
	sealed.push(sealed[2].clone());
	// The former last segment opened as not-last fails.
	assert_eq!(
		open_stream(&key(9), PREFIX, &sealed),
		Err(CipherError::Authentication { segment: 2 })
	);
	let mut decryptor = StreamDecryptor::new(&key(9), PREFIX);
	let mut only = seal_stream(&key(9), PREFIX, &[b"x"]).remove(0);
	decryptor.open_next(true, &mut only).unwrap();
	assert_eq!(
		decryptor.open_next(true, &mut [0; TAG_LEN]),
		Err(CipherError::AfterLast { segment: 1 })
	);
	let mut encryptor = StreamEncryptor::new(&key(9), PREFIX);
	encryptor.seal_next(true, &mut [0; TAG_LEN]).unwrap();
	assert_eq!(
		encryptor.seal_next(true, &mut [0; TAG_LEN]),
		Err(CipherError::AfterLast { segment: 1 })
	);
}

#[test]
fn short_buffers_are_refused() {
	let cipher = SegmentCipher::new(&key(1), PREFIX);
	assert_eq!(
		cipher.seal_in_place(4, false, &mut [0; 15]),
		Err(CipherError::TooShort { segment: 4, len: 15 })
	);
	assert_eq!(
		cipher.open_in_place(4, false, &mut [0; 3]),
		Err(CipherError::TooShort { segment: 4, len: 3 })
	);
}

#[test]
fn derived_keys_depend_on_secret_and_salt_and_are_stable() {
	let salt = [5u8; SALT_LEN];
	let a = FileKey::derive(b"owner seed", &salt).unwrap();
	assert_eq!(a.as_bytes(), FileKey::derive(b"owner seed", &salt).unwrap().as_bytes());
	assert_ne!(a.as_bytes(), FileKey::derive(b"owner seee", &salt).unwrap().as_bytes());
	assert_ne!(a.as_bytes(), FileKey::derive(b"owner seed", &[6u8; SALT_LEN]).unwrap().as_bytes());
	assert_eq!(
		FileKey::derive(b"", &salt).unwrap_err(),
		CipherError::Key("the owner secret is empty")
	);
	// Pinned output, computed independently with Python's hmac/hashlib (RFC 5869 by hand):
	// changing the derivation would make every stored file unreadable.
	assert_eq!(
		a.as_bytes(),
		&[
			0xcb, 0x4e, 0x2f, 0xf3, 0x7b, 0x57, 0xa9, 0x41, 0x36, 0x30, 0x92, 0x22, 0xd5, 0x00,
			0x8e, 0xdc, 0xff, 0x00, 0x6f, 0x42, 0xee, 0xb1, 0xbb, 0x44, 0x1c, 0x0a, 0x13, 0x3a,
			0x2a, 0xd0, 0xe5, 0x94
		]
	);
}

#[test]
fn debug_output_hides_the_key() {
	assert_eq!(format!("{:?}", key(0x41)), "FileKey(<redacted>)");
}

#[test]
fn random_salts_and_prefixes_differ() {
	assert_ne!(random_salt().unwrap(), random_salt().unwrap());
	assert_ne!(random_nonce_prefix().unwrap(), random_nonce_prefix().unwrap());
}

/// Interoperability: the segment format is plain AES-256-GCM (RustCrypto opens what ring seals).
#[test]
fn sealed_segment_is_standard_aes_256_gcm() {
	use aes_gcm::{aead::Aead, Aes256Gcm, KeyInit};
	let sealed = seal_stream(&key(3), PREFIX, &SEGMENTS);
	let cipher = Aes256Gcm::new_from_slice(key(3).as_bytes()).unwrap();
	let mut nonce = [0u8; 12];
	nonce[..7].copy_from_slice(&PREFIX);
	nonce[7..11].copy_from_slice(&2u32.to_be_bytes());
	nonce[11] = 1;
	let plaintext = cipher.decrypt((&nonce).into(), &sealed[2][..]).unwrap();
	assert_eq!(plaintext, SEGMENTS[2]);
}

proptest! {
	#[test]
	fn random_streams_round_trip(segments in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6), key_byte: u8) {
		let slices: Vec<&[u8]> = segments.iter().map(Vec::as_slice).collect();
		let sealed = seal_stream(&key(key_byte), PREFIX, &slices);
		prop_assert_eq!(open_stream(&key(key_byte), PREFIX, &sealed).unwrap(), segments);
	}

	#[test]
	fn random_bytes_never_open(bytes in proptest::collection::vec(any::<u8>(), 0..100), segment: u32, last: bool) {
		let mut buffer = bytes;
		prop_assert!(SegmentCipher::new(&key(1), PREFIX).open_in_place(segment, last, &mut buffer).is_err());
	}
}
