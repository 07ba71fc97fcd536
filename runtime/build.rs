fn main() {
	#[cfg(feature = "std")]
	{
		// The cargo target dir may live outside the work tree (scripts/env.sh): tell the
		// WASM build where our workspace and its Cargo.lock are. Set here, for this build
		// script only, because other crates' WASM builds must not look in our workspace.
		let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
		std::env::set_var("WASM_BUILD_WORKSPACE_HINT", workspace);
		substrate_wasm_builder::WasmBuilder::build_using_defaults();
	}
}
