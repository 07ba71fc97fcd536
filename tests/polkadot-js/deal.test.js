// The markets against a real `xmbl-node --dev` serving the dev chain's five genesis storage
// and compute providers, through @polkadot/api with no custom types: a storage deal made by
// `xmbl put` reads back (the deal and its manifest from storage, the runtime API that provider
// nodes use, the events of the deal's creation), and a compute job submitted with
// `compute.submitJob` runs on the providers' workers and its result decodes from the runtime
// API and from storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { JOBS_WASM, NODE, startDevNode } from './dev-node.js';

const TIMEOUT_MS = 180_000;
// The `xmbl` client cargo built next to the node.
const XMBL = join(dirname(NODE), 'xmbl');

let node;
let api;

before(async () => {
  node = await startDevNode({ providers: true });
  const provider = new WsProvider(node.url, false);
  await provider.connect();
  api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}, { timeout: TIMEOUT_MS });

after(async () => {
  await api?.disconnect();
  node?.stop();
});

test('a deal made by xmbl put decodes from storage and the runtime API', { timeout: TIMEOUT_MS }, async () => {
  const file = join(node.basePath, 'file.bin');
  const bytes = randomBytes(300_000);
  writeFileSync(file, bytes);
  const put = JSON.parse(execFileSync(XMBL, ['--url', node.url, 'put', file, '--blocks', '30'], {
    env: { ...process.env, XMBL_SURI: '//Ferdie' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS
  }).toString());
  const id = put.deal;

  const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie').address;
  const deal = (await api.query.storage.deals(id)).unwrap();
  assert.equal(deal.owner.toString(), ferdie);
  assert.equal(deal.dataShards.toNumber(), 3);
  assert.equal(deal.parityShards.toNumber(), 2);
  assert.ok(deal.status.isActive, `status ${deal.status.toString()}`);
  assert.equal(deal.shards.length, 5);
  const providers = new Set(deal.shards.map((shard) => shard.provider.unwrap().toString()));
  assert.equal(providers.size, 5, 'five distinct providers');
  for (const shard of deal.shards) {
    assert.ok(shard.state.isStored, `shard state ${shard.state.toString()}`);
  }

  const manifest = (await api.query.storage.manifests(id)).unwrap();
  assert.equal(manifest.plaintextSize.toBigInt(), BigInt(bytes.length));
  assert.equal(manifest.fileRoot.toHex(), deal.fileRoot.toHex());
  assert.equal(manifest.fileRoot.toHex(), put.file_root);
  assert.deepEqual(manifest.shards.map((shard) => shard.root.toHex()), deal.shards.map((shard) => shard.root.toHex()));

  // The runtime API, as provider nodes and clients call it, from the metadata alone.
  const [viaApi] = (await api.call.storageMarketApi.deal(id)).unwrap();
  assert.equal(viaApi.fileRoot.toHex(), deal.fileRoot.toHex());
  assert.deepEqual((await api.call.storageMarketApi.dealsOf(ferdie)).map((deal) => deal.toNumber()), [id]);
  const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob').address;
  const duties = await api.call.storageMarketApi.providerDuties(bob);
  assert.equal(duties.length, 1, 'Bob keeps one shard of the deal');
  assert.equal(duties[0].deal.toNumber(), id);
});

test('a job submitted with compute.submitJob runs and its result decodes', { timeout: TIMEOUT_MS }, async () => {
  const wasmPath = join(JOBS_WASM, 'word-count.wasm');
  assert.ok(existsSync(wasmPath), `${wasmPath} is missing: build it with \`cargo test -p xmbl-job-runner --test jobs\``);
  const wasm = readFileSync(wasmPath);
  const maxInline = api.consts.compute.maxInlineProgram.toNumber();
  assert.ok(wasm.length <= maxInline, `word-count.wasm is ${wasm.length} bytes, above the inline ${maxInline}`);
  const input = 'one two three\nfour five\n';
  const replicas = 3;
  const reward = api.consts.compute.minJobReward.toBigInt() * BigInt(replicas);
  const deadline = api.consts.compute.selectionDelay.toNumber() +
    api.consts.compute.commitWindow.toNumber() + api.consts.compute.revealWindow.toNumber();
  const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie');

  // The callback only settles the promise: an assertion thrown inside it would never reject
  // it, and the test would wait for its timeout instead of failing.
  const { events } = await new Promise((resolve, reject) => {
    api.tx.compute.submitJob(
      // Hex strings: a Uint8Array given for `Bytes` is taken as already SCALE-encoded.
      { Inline: `0x${wasm.toString('hex')}` },
      { Inline: `0x${Buffer.from(input).toString('hex')}` },
      [],
      1_000_000_000,
      64 * 1024 * 1024,
      replicas,
      reward,
      deadline,
      null,
    )
      .signAndSend(ferdie, (result) => {
        if (result.dispatchError) {
          reject(new Error(`dispatch error: ${result.dispatchError.toString()}`));
        } else if (result.status.isInBlock) {
          resolve({ events: result.events });
        } else if (result.isError) {
          reject(new Error(`transaction failed: ${result.status.toString()}`));
        }
      })
      .catch(reject);
  });
  const submitted = events.find(({ event }) => api.events.compute.JobSubmitted.is(event));
  assert.ok(submitted, 'a Compute.JobSubmitted event was emitted');
  const job = submitted.event.data.job.toNumber();
  assert.equal(submitted.event.data.replicas.toNumber(), replicas);

  // The workers draw, run, commit and reveal within the job's one round.
  let final;
  for (const started = Date.now(); Date.now() - started < 100_000;) {
    final = await api.call.computeMarketApi.jobResult(job);
    if (final.isSome) break;
    await sleep(1_000);
  }
  assert.ok(final?.isSome, `job ${job} has no final result after 100 s`);
  const { result } = final.unwrap();
  assert.ok(result.kind.isSuccess, `outcome ${result.kind.toString()}`);
  assert.ok(result.output.isInline, `output ${result.output.toString()}`);
  assert.equal(Buffer.from(result.output.asInline).toString(), '2 5 24\n');
  assert.ok(result.fuelUsed.toBigInt() > 0n);

  const stored = (await api.query.compute.results(job)).unwrap();
  assert.equal(stored.result.toHex(), result.toHex(), 'storage and the runtime API agree');
  const record = (await api.call.computeMarketApi.job(job)).unwrap();
  assert.ok(record.status.isCompleted, `status ${record.status.toString()}`);
  assert.equal(record.client.toString(), ferdie.address);
  const revealed = record.workers.filter((worker) => worker.state.isRevealed);
  assert.equal(revealed.length, replicas, 'every worker revealed the result');
  assert.deepEqual((await api.call.computeMarketApi.jobsOf(ferdie.address)).map((id) => id.toNumber()), [job]);
});
