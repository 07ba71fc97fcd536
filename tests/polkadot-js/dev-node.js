// Starts a real `xmbl-node --dev` for the JS tests. The node binds port 0 for RPC and
// p2p and the RPC port is read from the line the node logs once it listens, so tests
// running side by side never race for a port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';

// Cargo's target directory, as scripts/env.sh sets it.
export const TARGET_DIR = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/xmbl/target');

export const NODE = process.env.XMBL_NODE ?? join(TARGET_DIR, 'debug/xmbl-node');

// Where the job runner's tests build the example jobs (offchain-workers/job-runner/jobs/):
// `cargo test -p xmbl-job-runner --test jobs`, which scripts/test.sh runs before these tests.
export const JOBS_WASM = join(TARGET_DIR, 'tmp/jobs/wasm32-wasip1/release');

// What sc-rpc-server logs: `Running JSON-RPC server: addr=127.0.0.1:NNNN,`.
const RPC_LISTENING = /Running JSON-RPC server: addr=127\.0\.0\.1:(\d+)/;

// Resolves to { url, basePath, log(), stop() } once the node serves RPC; rejects with the
// node's log if it exits first or does not serve RPC within `timeoutMs`. With `providers`
// the node also serves the dev chain's five genesis storage providers on their registered
// ports 30400-30404, which only one test at a time can do; without, it serves none.
export function startDevNode ({ providers = false, timeoutMs = 120_000 } = {}) {
  const basePath = mkdtempSync(join(tmpdir(), 'xmbl-js-'));
  const node = spawn(NODE, [
    '--dev', '--base-path', basePath, '--rpc-port', '0', '--listen-addr', '/ip4/127.0.0.1/tcp/0',
    '--no-prometheus', '--no-telemetry', '--no-mdns', ...(providers ? [] : ['--no-provider'])
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const stop = () => {
    node.kill('SIGKILL');
    rmSync(basePath, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      stop();
      reject(new Error(`${NODE}: ${why}\n${log}`));
    };
    const timer = setTimeout(() => fail(`no RPC server within ${timeoutMs} ms`), timeoutMs);
    node.once('error', (error) => fail(`could not start: ${error.message}`));
    node.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before serving RPC`));
    node.stderr.on('data', (chunk) => {
      log = (log + chunk).slice(-16_000);
      const port = log.match(RPC_LISTENING)?.[1];
      if (port && node.listenerCount('exit') > 0) {
        clearTimeout(timer);
        node.removeAllListeners('exit');
        node.removeAllListeners('error');
        resolve({ url: `ws://127.0.0.1:${port}`, basePath, log: () => log, stop });
      }
    });
  });
}
