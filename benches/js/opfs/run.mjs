// TurDB against sqlite-wasm's opfs-sahpool VFS on OPFS, in headless
// Chromium (make bench-browser; benches/README.md has the results).
//
// One browser and one page on 127.0.0.1 for the whole comparison, and a
// fresh dedicated Worker (worker.js) on emptied OPFS for each phase of each
// run. The commit phase runs all engines in one Worker, taking turns in
// blocks, because commit latency is mostly flush() latency, which drifts
// with whatever else uses the disk. A transaction is mostly CPU work, so
// each engine runs it in a Worker of its own (no shared heap or JIT state),
// and the engines alternate which goes first from run to run. After the timed runs, one more run counts the
// OPFS calls (read/write/flush) of each phase.
//
//   TURDB_BENCH_RUNS     timed runs (default 3); the table shows medians
//   TURDB_BENCH_COMMITS  one-row commits per engine and run (default 1000)
//   TURDB_BENCH_BLOCK    commits per turn (default 50)
//   TURDB_BENCH_ROWS     rows of the one transaction (default 100000)

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch } from '../../../js/e2e/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runs = Number(process.env.TURDB_BENCH_RUNS ?? 3);
const commits = Number(process.env.TURDB_BENCH_COMMITS ?? 1000);
const block = Number(process.env.TURDB_BENCH_BLOCK ?? 50);
const rows = Number(process.env.TURDB_BENCH_ROWS ?? 100_000);
const engines = ['turdb', 'sqlite-wal', 'sqlite-default'];
// Raw 16 KiB write + flush() pairs, taking turns with the engines' commits.
const floors = ['flush-append', 'flush-overwrite', 'flush-reserved'];

const server = await serve(root);
const browser = await launch();
const results = Object.fromEntries([...engines, ...floors].map((e) => [e, []]));
const counted = Object.fromEntries(engines.map((e) => [e, {}]));
let version;
try {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`console: ${m.text()}`));
  await page.goto(`${server.url}/benches/js/opfs/index.html`);
  await page.waitForFunction(() => window.benchReady === true);
  version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  const bench = (task) => page.evaluate((t) => window.bench(t), task);
  const run = async (count, r) => {
    const out = Object.fromEntries(engines.map((e) => [e, {}]));
    const c = await bench({ phase: 'commits', engines: [...engines, ...floors], commits, block, count });
    for (const e of engines) Object.assign(out[e], { commitsMs: c[e].ms, blocks: c[e].blocks, commitsCalls: c[e].calls, settings: c[e].settings });
    for (const f of floors) out[f] = c[f];
    for (const e of r % 2 === 0 ? engines : [...engines].reverse()) {
      const t = await bench({ phase: 'tx', engine: e, rows, count });
      Object.assign(out[e], { txMs: t.ms, txCalls: t.calls });
    }
    return out;
  };
  for (let r = 0; r < runs; r++) {
    const out = await run(false, r);
    for (const f of floors) results[f].push(out[f]);
    for (const e of engines) {
      results[e].push(out[e]);
      console.error(`run ${r + 1}/${runs} ${e}: ${(out[e].commitsMs / commits).toFixed(2)} ms/commit, transaction ${out[e].txMs.toFixed(0)} ms`);
    }
  }
  Object.assign(counted, await run(true, 0));
} finally {
  await browser.close();
  await server.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (engine, f) => median(results[engine].map(f));
const perCommit = (e) => m(e, (x) => x.commitsMs / commits);
const tx = (e) => m(e, (x) => x.txMs);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

const describe = (e) => Object.entries(results[e][0].settings).map(([k, v]) => `${k}=${v}`).join(', ');
console.log(`Chromium ${version}, OPFS, median of ${runs} runs; ${commits} one-row commits, one ${rows}-row transaction`);
for (const e of engines) console.log(`- ${e}: ${describe(e)}`);
console.log('');
console.log('| operation | TurDB | sqlite-wasm WAL | sqlite-wasm default | WAL ÷ TurDB | default ÷ TurDB |');
console.log('|---|---:|---:|---:|---:|---:|');
const line = (name, f, unit) => {
  const [t, w, d] = engines.map(f);
  console.log(`| ${name} | ${t.toFixed(2)} ${unit} | ${w.toFixed(2)} ${unit} | ${d.toFixed(2)} ${unit} | ${ratio(w, t)} | ${ratio(d, t)} |`);
};
line('one-row commit', perCommit, 'ms');
line(`${rows}-row transaction`, tx, 'ms');

const floor = (f) => m(f, (x) => x.ms / commits);
console.log('');
console.log(
  `Floor, in the same turns: one 16 KiB write + flush() ${floor('flush-append').toFixed(2)} ms appended, ` +
    `${floor('flush-overwrite').toFixed(2)} ms over the same page, ` +
    `${floor('flush-reserved').toFixed(2)} ms appended into room reserved with truncate(); ` +
    `TurDB commit ÷ appended floor ${ratio(perCommit('turdb'), floor('flush-append'))}, sqlite-wasm WAL ${ratio(perCommit('sqlite-wal'), floor('flush-append'))}`,
);

console.log('');
console.log('Every run (ms per commit / transaction ms):');
for (const e of engines) {
  console.log(`- ${e}: ${results[e].map((x) => `${(x.commitsMs / commits).toFixed(2)} / ${x.txMs.toFixed(0)}`).join(', ')}`);
}

// A WAL grows until its first checkpoint and is written over after it, and
// a flush that grows a file costs more than one that does not.
const half = Math.ceil(commits / block / 2);
const split = (e) => {
  const per = (bs) => bs.reduce((a, b) => a + b, 0) / Math.min(commits, bs.length * block);
  return [m(e, (x) => per(x.blocks.slice(0, half))), m(e, (x) => per(x.blocks.slice(half)))];
};
console.log('');
console.log(`ms per commit, medians, in the first ${half * block} commits / the rest:`);
for (const e of engines) console.log(`- ${e}: ${split(e).map((v) => v.toFixed(2)).join(' / ')}`);

console.log('');
console.log('OPFS calls (the counting run, sync access handle methods wrapped):');
console.log('| engine | phase | ms | write() | KiB written | flush() | ms in write() | ms in flush() | read() | truncate() |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const e of engines) {
  const c = counted[e];
  for (const [phase, calls, ms, per] of [
    [`per commit (of ${commits})`, c.commitsCalls, c.commitsMs, commits],
    ['the transaction', c.txCalls, c.txMs, 1],
  ]) {
    const f = (k, d = 1) => (calls[k] / per).toFixed(d);
    console.log(
      `| ${e} | ${phase} | ${(ms / per).toFixed(2)} | ${f('write')} | ${(calls.writeBytes / per / 1024).toFixed(1)} | ${f('flush', 3)} | ${f('writeMs', 2)} | ${f('flushMs', 2)} | ${f('read')} | ${f('truncate', 3)} |`,
    );
  }
}
