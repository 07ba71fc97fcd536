//! The runtime's metadata, taken from the runtime this client was built with: its
//! RFC-0078 hash (what `CheckMetadataHash` signs), and names and JSON for events and
//! dispatch errors, decoded by their type in the metadata.

use crate::chain::NamedDispatchError;
use codec::{Decode, Encode};
use frame_metadata::{v15::RuntimeMetadataV15, RuntimeMetadata, RuntimeMetadataPrefixed};
use merkleized_metadata::{generate_metadata_digest, ExtraInfo};
use polkadot_sdk::{
	sp_core::crypto::{AccountId32, Ss58Codec},
	sp_runtime::DispatchError,
};
use scale_info::{form::PortableForm, PortableRegistry, TypeDef};
use scale_value::{Composite, Primitive, Value, ValueDef};
use serde_json::{json, Value as Json};
use xmbl_runtime::{Runtime, RuntimeEvent, TOKEN_DECIMALS, TOKEN_SYMBOL};

/// Integers above this are printed as JSON strings: JavaScript numbers lose digits.
const MAX_SAFE_INTEGER: u128 = (1 << 53) - 1;

/// The metadata (V15) of the runtime the client was built with.
pub struct Metadata {
	metadata: RuntimeMetadataV15,
	hash: [u8; 32],
}

impl Metadata {
	/// Metadata of the compiled-in runtime, and its hash as the runtime's WASM build
	/// computes it.
	pub fn of_runtime() -> Self {
		let opaque =
			Runtime::metadata_at_version(15).expect("every FRAME runtime has metadata V15");
		let metadata = decode_v15(&opaque).expect("the runtime's own metadata decodes");
		let hash = digest(&metadata, xmbl_runtime::VERSION.spec_version)
			.expect("the runtime's own metadata can be merkleized");
		Metadata { metadata, hash }
	}

	/// The RFC-0078 metadata hash.
	pub fn hash(&self) -> [u8; 32] {
		self.hash
	}

	fn types(&self) -> &PortableRegistry {
		&self.metadata.types
	}

	/// A dispatch error named by pallet and variant, with the variant's docs.
	pub fn dispatch_error(&self, error: &DispatchError) -> NamedDispatchError {
		let DispatchError::Module(module) = error else {
			return NamedDispatchError::other(error);
		};
		let named = self
			.metadata
			.pallets
			.iter()
			.find(|pallet| pallet.index == module.index)
			.and_then(|pallet| {
				let error_type = self.types().resolve(pallet.error.as_ref()?.ty.id)?;
				let TypeDef::Variant(variants) = &error_type.type_def else { return None };
				let variant = variants.variants.iter().find(|v| v.index == module.error[0])?;
				Some(NamedDispatchError {
					name: format!("{}.{}", pallet.name, variant.name),
					description: variant.docs.join(" "),
				})
			});
		named.unwrap_or_else(|| NamedDispatchError::other(error))
	}

	/// An event as `{"pallet": .., "event": .., "fields": {..}}`.
	pub fn event_json(&self, event: &RuntimeEvent) -> Json {
		let bytes = event.encode();
		let decoded = scale_value::scale::decode_as_type(
			&mut &bytes[..],
			self.metadata.outer_enums.event_enum_ty.id,
			self.types(),
		);
		let Ok(Value { value: ValueDef::Variant(pallet), .. }) = decoded else {
			return json!({ "undecoded": format!("0x{}", hex::encode(&bytes)) });
		};
		match pallet.values.into_values().next() {
			Some(Value { value: ValueDef::Variant(event), .. }) => json!({
				"pallet": pallet.name,
				"event": event.name,
				"fields": self.composite_json(&event.values),
			}),
			_ => json!({ "pallet": pallet.name }),
		}
	}

	fn value_json(&self, value: &Value<u32>) -> Json {
		if self.is_account(value.context) {
			if let Some(account) = bytes_of(value).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
				return json!(AccountId32::from(account).to_ss58check());
			}
		}
		match &value.value {
			ValueDef::Composite(composite) => self.composite_json(composite),
			ValueDef::Variant(variant) if variant.values.is_empty() => json!(variant.name),
			ValueDef::Variant(variant) => {
				json!({ &variant.name: self.composite_json(&variant.values) })
			},
			ValueDef::Primitive(primitive) => primitive_json(primitive),
			ValueDef::BitSequence(bits) => {
				json!(bits.iter().map(|b| if b { '1' } else { '0' }).collect::<String>())
			},
		}
	}

	/// Named fields as an object; byte arrays as hex; a lone unnamed field as itself.
	fn composite_json(&self, composite: &Composite<u32>) -> Json {
		match composite {
			Composite::Named(fields) => fields
				.iter()
				.map(|(name, value)| (name.clone(), self.value_json(value)))
				.collect(),
			Composite::Unnamed(values) => {
				if let Some(bytes) = bytes_in(values).filter(|bytes| !bytes.is_empty()) {
					return json!(format!("0x{}", hex::encode(bytes)));
				}
				match &values[..] {
					[single] => self.value_json(single),
					values => Json::Array(values.iter().map(|v| self.value_json(v)).collect()),
				}
			},
		}
	}

	fn is_account(&self, type_id: u32) -> bool {
		self.types()
			.resolve(type_id)
			.is_some_and(|ty: &scale_info::Type<PortableForm>| {
				ty.path.segments == ["sp_core", "crypto", "AccountId32"]
			})
	}
}

/// The RFC-0078 hash `CheckMetadataHash` checks, of the runtime whose SCALE-encoded
/// metadata (`Metadata_metadata_at_version(15)`) is `opaque`, at `spec_version`: what a
/// transaction to a runtime other than the compiled-in one (after an upgrade that kept its
/// calls) must sign. The chain's token and address format are this client's: a runtime that
/// changed them gets another hash, and the transaction fails there instead of being misread.
pub fn metadata_hash(opaque: &[u8], spec_version: u32) -> Result<[u8; 32], String> {
	digest(&decode_v15(opaque)?, spec_version)
}

fn decode_v15(opaque: &[u8]) -> Result<RuntimeMetadataV15, String> {
	match RuntimeMetadataPrefixed::decode(&mut &opaque[..])
		.map_err(|error| error.to_string())?
		.1
	{
		RuntimeMetadata::V15(metadata) => Ok(metadata),
		_ => Err("not metadata V15".into()),
	}
}

fn digest(metadata: &RuntimeMetadataV15, spec_version: u32) -> Result<[u8; 32], String> {
	let extra = ExtraInfo {
		spec_version,
		spec_name: xmbl_runtime::VERSION.spec_name.to_string(),
		base58_prefix: xmbl_runtime::SS58_PREFIX,
		decimals: TOKEN_DECIMALS,
		token_symbol: TOKEN_SYMBOL.into(),
	};
	Ok(generate_metadata_digest(&RuntimeMetadata::V15(metadata.clone()), extra)?.hash())
}

fn primitive_json(primitive: &Primitive) -> Json {
	match primitive {
		Primitive::Bool(b) => json!(b),
		Primitive::Char(c) => json!(c),
		Primitive::String(s) => json!(s),
		Primitive::U128(n) if *n <= MAX_SAFE_INTEGER => json!(*n as u64),
		Primitive::U128(n) => json!(n.to_string()),
		Primitive::I128(n) if n.unsigned_abs() <= MAX_SAFE_INTEGER => json!(*n as i64),
		Primitive::I128(n) => json!(n.to_string()),
		Primitive::U256(bytes) | Primitive::I256(bytes) => {
			json!(format!("0x{}", hex::encode(bytes)))
		},
	}
}

/// The bytes of a value that is a (possibly wrapped) sequence of `u8`s.
fn bytes_of(value: &Value<u32>) -> Option<Vec<u8>> {
	match &value.value {
		ValueDef::Composite(Composite::Unnamed(values)) => bytes_in(values),
		_ => None,
	}
}

fn bytes_in(values: &[Value<u32>]) -> Option<Vec<u8>> {
	if let [inner @ Value { value: ValueDef::Composite(_), .. }] = values {
		return bytes_of(inner);
	}
	values
		.iter()
		.map(|value| match value.value {
			ValueDef::Primitive(Primitive::U128(n)) => u8::try_from(n).ok(),
			_ => None,
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::{frame_system, sp_keyring::Sr25519Keyring};

	#[test]
	fn events_decode_to_json_with_ss58_accounts_and_safe_integers() {
		let metadata = Metadata::of_runtime();
		let alice = Sr25519Keyring::Alice.to_account_id();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let event = RuntimeEvent::Balances(polkadot_sdk::pallet_balances::Event::Transfer {
			from: alice.clone(),
			to: bob.clone(),
			amount: 10u128.pow(18),
		});
		assert_eq!(
			metadata.event_json(&event),
			json!({
				"pallet": "Balances",
				"event": "Transfer",
				"fields": { "from": alice.to_ss58check(), "to": bob.to_ss58check(), "amount": "1000000000000000000" },
			})
		);
		let event = RuntimeEvent::System(frame_system::Event::NewAccount { account: bob.clone() });
		assert_eq!(metadata.event_json(&event)["fields"]["account"], json!(bob.to_ss58check()));
	}

	#[test]
	fn module_errors_are_named_by_pallet_and_variant() {
		let metadata = Metadata::of_runtime();
		let error: DispatchError =
			pallet_xmbl_providers::Error::<Runtime>::UnbondingNotFinished.into();
		let named = metadata.dispatch_error(&error);
		assert_eq!(named.name, "Providers.UnbondingNotFinished");
		assert!(!named.description.is_empty(), "the error's docs are carried along");
		assert_eq!(metadata.dispatch_error(&DispatchError::BadOrigin).name, "BadOrigin");
	}
}
