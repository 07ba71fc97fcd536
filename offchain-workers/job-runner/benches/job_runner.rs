//! Instantiate-and-run of a cached trivial module (the per-job overhead; target under 50 µs),
//! and SHA-256 of 4 MiB natively and as the `jobs/sha256` job, with fuel (the runner) and
//! without (the runner's engine settings less fuel, set up by hand here).

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, InstancePre, Linker, Module, Store};
use wasmtime_wasi::{
	p2::pipe::{MemoryInputPipe, MemoryOutputPipe},
	preview1::{self, WasiP1Ctx},
	WasiCtxBuilder,
};
use xmbl_job_runner::{JobLimits, Outcome, Runner, ARGV0, DEFAULT_CACHE_BYTES, MAX_WASM_STACK};

const INPUT_LEN: usize = 4 << 20;

/// The job on an engine like the runner's but without fuel, to show what counting fuel costs.
struct Unfueled {
	engine: Engine,
	pre: InstancePre<WasiP1Ctx>,
}

impl Unfueled {
	fn new(module: &[u8]) -> Self {
		let mut config = Config::new();
		config.target(&target_lexicon::HOST.to_string()).unwrap();
		config
			.cranelift_nan_canonicalization(true)
			.relaxed_simd_deterministic(true)
			.max_wasm_stack(MAX_WASM_STACK);
		let engine = Engine::new(&config).unwrap();
		let mut linker = Linker::new(&engine);
		preview1::add_to_linker_sync(&mut linker, |wasi| wasi).unwrap();
		let pre = linker.instantiate_pre(&Module::from_binary(&engine, module).unwrap()).unwrap();
		Self { engine, pre }
	}

	fn run(&self, input: &[u8]) -> Vec<u8> {
		let stdout = MemoryOutputPipe::new(1 << 10);
		let wasi = WasiCtxBuilder::new()
			.stdin(MemoryInputPipe::new(input.to_vec()))
			.stdout(stdout.clone())
			.arg(ARGV0)
			.build_p1();
		let mut store = Store::new(&self.engine, wasi);
		let instance = self.pre.instantiate(&mut store).unwrap();
		instance
			.get_typed_func::<(), ()>(&mut store, "_start")
			.unwrap()
			.call(&mut store, ())
			.unwrap();
		drop(store);
		stdout.contents().to_vec()
	}
}

fn benches(c: &mut Criterion) {
	let runner = Runner::new(DEFAULT_CACHE_BYTES).unwrap();
	let limits = JobLimits::default();

	let trivial =
		wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#)
			.unwrap();
	assert!(!runner.run(&trivial, b"", &[], &limits).unwrap().cache_hit);
	c.bench_function("run_cached_trivial_module", |b| {
		b.iter(|| runner.run(&trivial, b"", &[], &limits).unwrap())
	});

	let sha256 = support::build_job("sha256");
	let input: Vec<u8> = (0..INPUT_LEN).map(|i| (i * 7 + i / 251) as u8).collect();
	let expected = Sha256::digest(&input).to_vec();
	let job = runner.run(&sha256, &input, &[], &limits).unwrap();
	assert_eq!(job.outcome, Outcome::Success { output: expected.clone() });
	println!("sha256 of 4 MiB as a job: {} fuel", job.fuel_used);
	let unfueled = Unfueled::new(&sha256);
	assert_eq!(unfueled.run(&input), expected);

	let mut group = c.benchmark_group("sha256_4MiB");
	group.sample_size(10).throughput(Throughput::Bytes(INPUT_LEN as u64));
	group.bench_function("native", |b| b.iter(|| Sha256::digest(&input)));
	group.bench_function("wasm_with_fuel", |b| {
		b.iter(|| runner.run(&sha256, &input, &[], &limits).unwrap())
	});
	group.bench_function("wasm_without_fuel", |b| b.iter(|| unfueled.run(&input)));
	group.finish();
}

criterion_group!(job_runner, benches);
criterion_main!(job_runner);
