import { join } from 'node:path';
import { loadRules } from '../src/adapters/rules-loader.js';
import { loadSettings } from '../src/adapters/settings-loader.js';
import { PROJECT_ROOT } from '../src/cli/screen-command.js';
import { readResources } from '../src/core/input/read-bundle.js';
import { screenPool } from '../src/core/screen.js';
import { buildCorpus, seedBundles } from './corpus.js';

/**
 * `npm run bench`: screening throughput against the cheapest thing any screen must do with the same
 * bytes, JSON.parse, measured in the same run on the same machine. Ratios are comparable across
 * machines; absolute rates are not.
 */
const SIZE = Number(process.env['BENCH_DONORS'] ?? 10_000);
const ROUNDS = 3;

const seeds = await seedBundles(PROJECT_ROOT);
const corpus = buildCorpus(seeds, SIZE);
const bytes = corpus.reduce((n, t) => n + Buffer.byteLength(t), 0);
const { ruleset, roleCodes } = await loadRules(join(PROJECT_ROOT, 'rules'));
const settings = await loadSettings(join(PROJECT_ROOT, 'rules', 'settings.default.yaml'), undefined, { centreCountry: 'GB' });
const options = { asOf: '2026-03-02', settings, roleCodes };

let peakRss = process.memoryUsage().rss;
const sample = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

function timeIt(fn: () => number): { seconds: number; count: number } {
  let best = Infinity;
  let count = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    count = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    sample();
  }
  return { seconds: best, count };
}

const parse = timeIt(() => {
  let n = 0;
  for (const text of corpus) if ((JSON.parse(text) as { resourceType?: string }).resourceType) n++;
  return n;
});

let alerts = 0;
const screen = timeIt(() => {
  let donors = 0;
  alerts = 0;
  for (const [i, text] of corpus.entries()) {
    const { entries } = readResources(JSON.parse(text), `corpus#${i}`);
    const { screened } = screenPool(entries, ruleset, options);
    donors += screened.length;
    for (const s of screened) alerts += s.report.alerts.length;
    if (i % 1000 === 0) sample();
  }
  return donors;
});

const parseRate = corpus.length / parse.seconds;
const screenRate = screen.count / screen.seconds;
console.log(`corpus: ${corpus.length} Bundles from ${seeds.length} seed workups, ${(bytes / 1e6).toFixed(1)} MB, ${screen.count} donors, ${alerts} alerts, ${ruleset.rules.length} rules`);
console.log(`baseline JSON.parse: ${parseRate.toFixed(0)} workups/s (best of ${ROUNDS})`);
console.log(`screen (parse + gather + rules + findings): ${screenRate.toFixed(0)} workups/s (best of ${ROUNDS})`);
console.log(`peak RSS: ${(peakRss / 1e6).toFixed(0)} MB`);
console.log(`screen/parse ratio: ${(screenRate / parseRate).toFixed(3)}`);
