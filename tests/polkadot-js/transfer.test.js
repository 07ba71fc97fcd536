// @polkadot/api, straight from the npm registry, against a real `xmbl-node --dev`:
// it reads the metadata with no custom types, decodes the providers pallet's storage,
// sends a transfer signed by //Alice that is included and finalized, and registers
// session keys the node made.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { startDevNode } from './dev-node.js';

// Every hook and test fails after this long instead of waiting forever.
const TIMEOUT_MS = 120_000;

let node;
let provider;
let api;

before(async () => {
  node = await startDevNode();
  provider = new WsProvider(node.url, false);
  await provider.connect();
  api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}, { timeout: TIMEOUT_MS });

after(async () => {
  await api?.disconnect();
  node?.stop();
});

test('reads the chain, its token and every pallet from the metadata alone', { timeout: TIMEOUT_MS }, async () => {
  const chain = await api.rpc.system.chain();
  assert.equal(chain.toString(), 'XMBL Development');
  assert.deepEqual(api.registry.chainTokens, ['XMBL']);
  assert.deepEqual(api.registry.chainDecimals, [12]);
  assert.equal(api.registry.chainSS58, 42);
  for (const pallet of ['system', 'timestamp', 'babe', 'grandpa', 'session', 'offences', 'validators', 'balances', 'transactionPayment', 'sudo', 'providers']) {
    assert.ok(api.tx[pallet] || api.query[pallet], `metadata lists ${pallet}`);
  }
  assert.equal(api.query.aura, undefined, 'no Aura: blocks are made by BABE');
  assert.equal(typeof api.tx.session.setKeys, 'function');
  assert.equal(typeof api.tx.validators.addValidator, 'function');
  const epoch = await api.query.babe.epochIndex();
  assert.equal(typeof epoch.toNumber(), 'number');
  assert.equal(api.consts.babe.epochDuration.toNumber(), 10);
  assert.equal(typeof api.tx.balances.transferKeepAlive, 'function');
  const existentialDeposit = api.consts.balances.existentialDeposit.toBigInt();
  assert.equal(existentialDeposit, 1_000_000_000n);
});

test('a transfer signed by //Alice is included and finalized', { timeout: TIMEOUT_MS }, async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const dest = keyring.addFromUri('//PolkadotJsTest').address;
  const amount = 7_000_000_000_000n; // 7 XMBL

  const before = (await api.query.system.account(dest)).data.free.toBigInt();
  // The callback only settles the promise: an assertion thrown inside it would never
  // reject it, and the test would wait for its timeout instead of failing.
  const { included, blockHash, events } = await new Promise((resolve, reject) => {
    let included = false;
    api.tx.balances.transferKeepAlive(dest, amount)
      .signAndSend(alice, (result) => {
        if (result.dispatchError) {
          reject(new Error(`dispatch error: ${result.dispatchError.toString()}`));
        } else if (result.status.isInBlock) {
          included = true;
        } else if (result.status.isFinalized) {
          resolve({ included, blockHash: result.status.asFinalized, events: result.events });
        } else if (result.isError) {
          reject(new Error(`transaction failed: ${result.status.toString()}`));
        }
      })
      .catch(reject);
  });

  assert.ok(included, 'seen in a block before finality');
  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'a Balances.Transfer event was emitted');
  assert.equal(transfer.event.data.amount.toBigInt(), amount);
  const after = (await api.query.system.account.at(blockHash, dest)).data.free.toBigInt();
  assert.equal(after - before, amount);
});

test('decodes the genesis provider from the providers pallet', { timeout: TIMEOUT_MS }, async () => {
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice').address;
  const record = await api.query.providers.providers(alice);
  assert.ok(record.isSome, 'Alice is a provider from the dev genesis');
  const provider = record.unwrap();
  assert.equal(provider.roles.toString(), 'StorageAndCompute');
  assert.equal(provider.stake.toBigInt(), 1_000n * 10n ** 12n);
  assert.equal(provider.capacity.bytes.toBigInt(), 10n * 1024n ** 3n);
  assert.equal(provider.capacity.computeSlots.toNumber(), 4);
  assert.equal(provider.endpoint.toUtf8(), 'http://127.0.0.1:30400');
  assert.ok(provider.status.isActive, `status ${provider.status.toString()}`);
  const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie').address;
  assert.ok((await api.query.providers.providers(ferdie)).isNone, 'Ferdie is not a provider');
});

test('session keys made by the node are registered with session.setKeys', { timeout: TIMEOUT_MS }, async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const ferdie = keyring.addFromUri('//Ferdie');
  // The node makes BABE and GRANDPA keys and proves they belong to Ferdie's account.
  const generated = await provider.send(
    'author_rotateKeysWithOwner',
    [api.createType('AccountId', ferdie.address).toHex()],
  );
  assert.match(generated.keys, /^0x[0-9a-f]{128}$/, 'two 32-byte public keys');
  assert.ok(generated.proof, 'a proof of possession');

  const { events } = await new Promise((resolve, reject) => {
    api.tx.session.setKeys(generated.keys, generated.proof)
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
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)), 'setKeys succeeded');
  const next = await api.query.session.nextKeys(ferdie.address);
  assert.ok(next.isSome, 'Ferdie has session keys');
  assert.equal(next.unwrap().toHex(), generated.keys);
});
