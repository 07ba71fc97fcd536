// A storage deal made by `xmbl put` against a real `xmbl-node --dev` (serving the dev
// chain's five genesis storage providers) reads back through @polkadot/api with no custom
// types: the deal and its manifest from storage, the runtime API that provider nodes use,
// and the events of the deal's creation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { NODE, startDevNode } from './dev-node.js';

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
