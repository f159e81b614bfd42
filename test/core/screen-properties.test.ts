import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readResources } from '../../src/core/input/read-bundle.js';
import { screenPool } from '../../src/core/screen.js';
import { fixtureSettings, RULES_DIR, rules } from '../support/engine.js';

function allFixtures(): Array<{ name: string; json: { timestamp: string; entry: unknown[] } }> {
  const out = [];
  for (const rule of readdirSync(RULES_DIR).filter((n) => n.includes('.')).sort()) {
    const dir = join(RULES_DIR, rule, 'fixtures');
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    } catch {
      continue;
    }
    for (const f of files) out.push({ name: `${rule}/${f}`, json: JSON.parse(readFileSync(join(dir, f), 'utf8')) as { timestamp: string; entry: unknown[] } });
  }
  return out;
}

const fixtures = allFixtures();

async function screenJson(json: { timestamp: string; entry: unknown[] }) {
  const { ruleset, roleCodes } = await rules();
  const settings = await fixtureSettings();
  const { entries } = readResources(json, 'property');
  return screenPool(entries, ruleset, { asOf: json.timestamp.slice(0, 10), settings, roleCodes }).screened.map((s) => s.report);
}

describe('engine invariants', () => {
  it('is deterministic and independent of entry order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.integer(), async (pick, seed) => {
        const { json } = fixtures[pick]!;
        const shuffled = { ...json, entry: fc.sample(fc.shuffledSubarray(json.entry, { minLength: json.entry.length }), { seed, numRuns: 1 })[0]! };
        expect(await screenJson(shuffled)).toEqual(await screenJson(json));
      }),
      { numRuns: 40 },
    );
  });

  it('never throws and never reports clean when parts of a record are garbage', async () => {
    const garbage = fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.constant([]), fc.constant({}), fc.constant([null]), fc.constant({ reference: 42 }));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.integer({ min: 0, max: 1000 }), fc.string({ minLength: 1, maxLength: 12 }), garbage, async (pick, at, key, value) => {
        const json = structuredClone(fixtures[pick]!.json) as { timestamp: string; entry: Array<{ resource?: Record<string, unknown> }> };
        const target = json.entry[at % json.entry.length]?.resource;
        if (target) {
          const keys = Object.keys(target).filter((k) => k !== 'resourceType' && k !== 'id');
          const field = keys.length > 0 ? keys[at % keys.length]! : key;
          target[field] = value;
        }
        const reports = await screenJson(json);
        for (const r of reports) {
          // Either screened (status reflects what was missing) or explicitly unscreened: never both clean and unread.
          if (r.alerts.length === 0 && r.status === 'complete') expect(r.notChecked).toEqual([]);
          if (r.notChecked.some((n) => n.includes('could not be read'))) expect(r.status).toBe('incomplete');
        }
      }),
      { numRuns: 150 },
    );
  });
});
