#[cfg(feature = "std")]
include!("src/token.rs");

fn main() {
	#[cfg(feature = "std")]
	{
		// The cargo target dir may live outside the work tree (scripts/env.sh): tell the
		// WASM build where our workspace and its Cargo.lock are. Set here, for this build
		// script only, because other crates' WASM builds must not look in our workspace.
		// Read at run time: cargo reuses a compiled build script across clones of the
		// workspace at other paths, so a path compiled in may point at a deleted clone.
		let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
		let workspace = std::path::Path::new(&manifest_dir).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		// The metadata hash (RFC-0078) is computed from the built WASM and compiled into
		// it, so that `CheckMetadataHash` can check what signers committed to.
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_metadata_hash(TOKEN_SYMBOL, TOKEN_DECIMALS)
			.build();
		// The runtime-upgrade test's runtime: `runtime_version` comes from `Core_version`.
		substrate_wasm_builder::WasmBuilder::init_with_defaults()
			.enable_metadata_hash(TOKEN_SYMBOL, TOKEN_DECIMALS)
			.enable_feature("next-spec-version")
			.disable_runtime_version_section_check()
			.set_file_name("wasm_binary_next_spec_version.rs")
			.build();
	}
}
