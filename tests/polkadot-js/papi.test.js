// polkadot-api, straight from the npm registry, against a real `xmbl-node --dev`: the
// typed descriptors are generated from the running node's metadata at every run (so
// they cannot be stale), then a transfer signed by //Alice is followed to finality
// and the providers pallet's storage is decoded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Binary, CompatibilityLevel, createClient } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { sr25519CreateDerive } from '@polkadot-labs/hdkd';
import { DEV_PHRASE, entropyToMiniSecret, mnemonicToEntropy, ss58Address } from '@polkadot-labs/hdkd-helpers';
import { startDevNode } from './dev-node.js';

// Every hook and test fails after this long instead of waiting forever; the hook that
// generates the descriptors runs TypeScript over the whole metadata.
const TIMEOUT_MS = 120_000;
const CODEGEN_TIMEOUT_MS = 300_000;

const PAPI_DIR = join(import.meta.dirname, '.papi');
const derive = sr25519CreateDerive(entropyToMiniSecret(mnemonicToEntropy(DEV_PHRASE)));
const account = (uri) => {
  const pair = derive(uri);
  return { address: ss58Address(pair.publicKey, 42), signer: getPolkadotSigner(pair.publicKey, 'Sr25519', pair.sign) };
};

let node;
let client;
let api;
let descriptors;

// `papi add` reads the metadata from the node and generates the descriptors into
// .papi/descriptors/dist; with `noDescriptorsPackage` it leaves package.json alone.
async function generateDescriptors (url) {
  rmSync(PAPI_DIR, { recursive: true, force: true });
  mkdirSync(PAPI_DIR);
  writeFileSync(join(PAPI_DIR, 'polkadot-api.json'), JSON.stringify({
    version: 0,
    descriptorPath: '.papi/descriptors',
    entries: {},
    options: { noDescriptorsPackage: true }
  }));
  try {
    await promisify(execFile)('npx', ['papi', 'add', 'xmbl', '--wsUrl', url], {
      cwd: import.meta.dirname,
      // The CLI uses the global WebSocket, which Node.js 20 has behind this flag.
      env: { ...process.env, NODE_OPTIONS: '--experimental-websocket' },
      timeout: CODEGEN_TIMEOUT_MS
    });
  } catch (error) {
    throw new Error(`papi add failed: ${error.message}\n${error.stdout}\n${error.stderr}`);
  }
  return import(pathToFileURL(join(PAPI_DIR, 'descriptors/dist/index.js')).href);
}

before(async () => {
  node = await startDevNode();
  descriptors = await generateDescriptors(node.url);
  client = createClient(getWsProvider(node.url));
  api = client.getTypedApi(descriptors.xmbl);
}, { timeout: CODEGEN_TIMEOUT_MS });

after(() => {
  client?.destroy();
  node?.stop();
});

test('the generated descriptors match the running runtime', { timeout: TIMEOUT_MS }, async () => {
  const { compat } = await api.getStaticApis();
  for (const [what, helper] of [
    ['Balances.transfer_keep_alive', compat.tx.Balances.transfer_keep_alive],
    ['System.Account', compat.query.System.Account],
    ['Providers.Providers', compat.query.Providers.Providers]
  ]) {
    assert.ok(helper.isCompatible(CompatibilityLevel.Identical), `${what} is identical`);
  }
  assert.equal(await api.constants.Balances.ExistentialDeposit(), 1_000_000_000n);
});

test('a transfer signed by //Alice is included and finalized', { timeout: TIMEOUT_MS }, async () => {
  const alice = account('//Alice');
  const dest = account('//PolkadotApiTest').address;
  const amount = 5_000_000_000_000n; // 5 XMBL
  const before = (await api.query.System.Account.getValue(dest)).data.free;

  const transfer = api.tx.Balances.transfer_keep_alive({ dest: descriptors.MultiAddress.Id(dest), value: amount });
  // The observer only settles the promise: an assertion thrown inside it would never
  // reject it, and the test would wait for its timeout instead of failing.
  const { included, finalized } = await new Promise((resolve, reject) => {
    let included = false;
    transfer.signSubmitAndWatch(alice.signer).subscribe({
      next: (event) => {
        if (event.type === 'txBestBlocksState' && event.found) {
          included = true;
        } else if (event.type === 'finalized') {
          resolve({ included, finalized: event });
        }
      },
      error: reject
    });
  });

  assert.ok(included, 'seen in a best block before finality');
  assert.ok(finalized.ok, `dispatch failed: ${JSON.stringify(finalized.dispatchError)}`);
  const event = finalized.events.find((e) => e.type === 'Balances' && e.value.type === 'Transfer');
  assert.ok(event, 'a Balances.Transfer event was emitted');
  assert.equal(event.value.value.to, dest);
  assert.equal(event.value.value.amount, amount);
  const after = (await api.query.System.Account.getValue(dest, { at: finalized.block.hash })).data.free;
  assert.equal(after - before, amount);
});

test('decodes the genesis provider from the providers pallet', { timeout: TIMEOUT_MS }, async () => {
  const provider = await api.query.Providers.Providers.getValue(account('//Alice').address);
  assert.ok(provider, 'Alice is a provider from the dev genesis');
  assert.equal(provider.roles.type, 'StorageAndCompute');
  assert.equal(provider.stake, 1_000n * 10n ** 12n);
  assert.equal(provider.capacity.bytes, 10n * 1024n ** 3n);
  assert.equal(provider.capacity.compute_slots, 4);
  assert.equal(Binary.toText(provider.endpoint), 'http://127.0.0.1:30400');
  assert.equal(provider.status.type, 'Active');
  assert.equal(await api.query.Providers.Providers.getValue(account('//Ferdie').address), undefined, 'Ferdie is not a provider');
});
