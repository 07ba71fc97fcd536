#[cfg(feature = "std")]
include!("src/token.rs");

fn main() {
	#[cfg(feature = "std")]
	{
		// The cargo target dir may live outside the work tree (scripts/env.sh): tell the
		// WASM build where our workspace and its Cargo.lock are. Set here, for this build
		// script only, because other crates' WASM builds must not look in our workspace.
		let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		// The metadata hash (RFC-0078) is computed from the built WASM and compiled into
		// it, so that `CheckMetadataHash` can check what signers committed to.
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_metadata_hash(TOKEN_SYMBOL, TOKEN_DECIMALS)
			.build();
	}
}
