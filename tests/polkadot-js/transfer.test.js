// @polkadot/api, straight from the npm registry, against a real `xmbl-node --dev`:
// it reads the metadata with no custom types and sends a transfer signed by //Alice
// that is included and finalized.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const NODE = process.env.XMBL_NODE
  ?? join(process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/xmbl/target'), 'debug/xmbl-node');

function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let node;
let basePath;
let api;
let log = '';

before(async () => {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  basePath = mkdtempSync(join(tmpdir(), 'xmbl-polkadot-js-'));
  node = spawn(NODE, [
    '--dev', '--base-path', basePath, '--rpc-port', String(rpcPort), '--port', String(p2pPort),
    '--no-prometheus', '--no-telemetry', '--no-mdns'
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  node.stderr.on('data', (chunk) => { log = (log + chunk).slice(-8000); });

  // The RPC server answers once the node has started; retry until then.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`, false);
    try {
      await provider.connect();
      api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
      break;
    } catch (error) {
      await provider.disconnect().catch(() => {});
      if (Date.now() > deadline || node.exitCode !== null) {
        throw new Error(`xmbl-node did not serve RPC: ${error}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
});

after(async () => {
  await api?.disconnect();
  node?.kill('SIGKILL');
  if (basePath) rmSync(basePath, { recursive: true, force: true });
});

test('reads the chain, its token and every pallet from the metadata alone', async () => {
  const chain = await api.rpc.system.chain();
  assert.equal(chain.toString(), 'XMBL Development');
  assert.deepEqual(api.registry.chainTokens, ['XMBL']);
  assert.deepEqual(api.registry.chainDecimals, [12]);
  assert.equal(api.registry.chainSS58, 42);
  for (const pallet of ['system', 'timestamp', 'aura', 'grandpa', 'balances', 'transactionPayment', 'sudo']) {
    assert.ok(api.tx[pallet] || api.query[pallet], `metadata lists ${pallet}`);
  }
  assert.equal(typeof api.tx.balances.transferKeepAlive, 'function');
  const existentialDeposit = api.consts.balances.existentialDeposit.toBigInt();
  assert.equal(existentialDeposit, 1_000_000_000n);
});

test('a transfer signed by //Alice is included and finalized', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const dest = keyring.addFromUri('//PolkadotJsTest').address;
  const amount = 7_000_000_000_000n; // 7 XMBL

  const before = (await api.query.system.account(dest)).data.free.toBigInt();
  const { blockHash, events } = await new Promise((resolve, reject) => {
    let included = false;
    api.tx.balances.transferKeepAlive(dest, amount)
      .signAndSend(alice, (result) => {
        if (result.dispatchError) {
          reject(new Error(`dispatch error: ${result.dispatchError.toString()}`));
        } else if (result.status.isInBlock) {
          included = true;
        } else if (result.status.isFinalized) {
          assert.ok(included, 'seen in a block before finality');
          resolve({ blockHash: result.status.asFinalized, events: result.events });
        } else if (result.isError) {
          reject(new Error(`transaction failed: ${result.status.toString()}`));
        }
      })
      .catch(reject);
  });

  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'a Balances.Transfer event was emitted');
  assert.equal(transfer.event.data.amount.toBigInt(), amount);
  const after = (await api.query.system.account.at(blockHash, dest)).data.free.toBigInt();
  assert.equal(after - before, amount);
});
