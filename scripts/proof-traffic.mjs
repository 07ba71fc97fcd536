// Proof traffic of one deal, read from the chain: follows finalized blocks from the start of
// the deal's current period until every shard of deal DEAL has been proven in PERIODS periods
// from that one, and sums the `Storage.submit_proofs` extrinsics that proved them: their
// bytes, weight and fee (paid, and quoted before dispatch) per proof. Prints one JSON object.
//   node scripts/proof-traffic.mjs URL DEAL [PERIODS]
// Used by scripts/bench-storage.sh; @polkadot/api comes from tests/polkadot-js (npm ci there).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/polkadot-js/package.json', import.meta.url));
const { ApiPromise, WsProvider } = require('@polkadot/api');

const [url, dealArg, periodsArg = '2'] = process.argv.slice(2);
if (!url || dealArg === undefined) {
  console.error('usage: node scripts/proof-traffic.mjs URL DEAL [PERIODS]');
  process.exit(2);
}
const deal = BigInt(dealArg);
const periods = Number(periodsArg);
const TIMEOUT_MS = 600_000;

const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const stored = await api.query.storage.deals(deal);
if (stored.isNone || !stored.unwrap().status.isActive) {
  console.error(`error: deal ${deal} is not active`);
  process.exit(1);
}
const record = stored.unwrap();
const shards = record.dataShards.toNumber() + record.parityShards.toNumber();
const wanted = shards * periods;
const firstPeriod = record.period.toNumber();

// Every extrinsic that proved a shard of the deal, once, by (block, index).
const proving = new Map();
let proven = 0;
let next = record.periodStart.toNumber();
const started = Date.now();
while (proven < wanted) {
  if (Date.now() - started > TIMEOUT_MS) {
    console.error(`error: ${proven} of ${wanted} proofs of deal ${deal} within ${TIMEOUT_MS} ms`);
    process.exit(1);
  }
  const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  for (; next <= finalized; next++) {
    const hash = await api.rpc.chain.getBlockHash(next);
    const [block, events] = await Promise.all([
      api.rpc.chain.getBlock(hash),
      api.query.system.events.at(hash)
    ]);
    for (const { phase, event } of events) {
      if (!phase.isApplyExtrinsic || !api.events.storage.ShardProven.is(event)) continue;
      const period = event.data.period.toNumber();
      if (event.data.deal.toBigInt() !== deal || period < firstPeriod || period >= firstPeriod + periods) continue;
      const index = phase.asApplyExtrinsic.toNumber();
      const key = `${next}/${index}`;
      if (!proving.has(key)) {
        const extrinsic = block.block.extrinsics[index];
        const fee = events.find(({ phase: p, event: e }) => p.isApplyExtrinsic &&
          p.asApplyExtrinsic.toNumber() === index && api.events.transactionPayment.TransactionFeePaid.is(e));
        const success = events.find(({ phase: p, event: e }) => p.isApplyExtrinsic &&
          p.asApplyExtrinsic.toNumber() === index && api.events.system.ExtrinsicSuccess.is(e));
        // Proofs that succeed are free; what the sender must hold for it is the fee quoted
        // before dispatch, from the declared weight and the length.
        const quote = await (await api.at(block.block.header.parentHash)).call.transactionPaymentApi
          .queryInfo(extrinsic.toU8a(), extrinsic.encodedLength);
        proving.set(key, {
          bytes: extrinsic.encodedLength,
          proofs: extrinsic.method.args[0].length,
          fee: fee.event.data.actualFee.toBigInt(),
          quoted: quote.partialFee.toBigInt(),
          refTime: success.event.data.dispatchInfo.weight.refTime.toBigInt()
        });
      }
      proven += 1;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
await api.disconnect();

const calls = [...proving.values()];
const sum = (field) => calls.reduce((total, call) => total + BigInt(call[field]), 0n);
const proofs = Number(sum('proofs'));
const bytes = Number(sum('bytes'));
const decimals = 12;
console.log(JSON.stringify({
  deal: Number(deal),
  periods,
  shard_proofs_of_the_deal: proven,
  extrinsics: calls.length,
  proofs_in_them: proofs,
  bytes,
  bytes_per_proof: Math.round(bytes / proofs),
  bytes_per_period: Math.round(bytes / periods),
  weight_us_per_proof: Number(sum('refTime') / BigInt(proofs)) / 1e6,
  fee_paid_xmbl: Number(sum('fee')) / 10 ** decimals,
  fee_quoted_xmbl_per_proof: Number(sum('quoted') / BigInt(proofs)) / 10 ** decimals
}));
