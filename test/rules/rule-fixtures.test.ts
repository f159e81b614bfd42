import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/adapters/rules-loader.js';
import { RULES_DIR, screenFile } from '../support/engine.js';

// Discover rules synchronously so every rule and fixture becomes its own named test.
const ruleFolders = readdirSync(RULES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name.includes('.'))
  .map((d) => d.name)
  .sort();

describe('rule catalogue', () => {
  it('loads, validates and compiles every rule', async () => {
    const loaded = await loadRules(RULES_DIR);
    expect(loaded.ruleset.rules.map((r) => r.id).sort()).toEqual(ruleFolders);
  });
});

for (const id of ruleFolders) {
  const dir = join(RULES_DIR, id, 'fixtures');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    files = [];
  }
  const positives = files.filter((f) => f.startsWith('positive-'));
  const negatives = files.filter((f) => f.startsWith('negative-'));

  describe(id, () => {
    it('has fixtures that make it fire and fixtures that must not', () => {
      expect(positives.length, `${id}: add fixtures/positive-*.json`).toBeGreaterThan(0);
      expect(negatives.length, `${id}: add fixtures/negative-*.json`).toBeGreaterThan(0);
    });

    for (const file of positives) {
      it(`fires on ${file}`, async () => {
        const { rules } = await import('../support/engine.js');
        const rule = (await rules()).ruleset.rules.find((r) => r.id === id);
        const screened = await screenFile(join(dir, file));
        expect(screened.length, 'the fixture holds a living-donor candidate').toBeGreaterThan(0);
        const alerts = screened.flatMap((s) => s.report.alerts).filter((a) => a.rule === id);
        expect(alerts.length, `${id} should fire on ${file}; fired: ${screened.flatMap((s) => s.report.alerts.map((a) => a.rule)).join(', ')}`).toBeGreaterThan(0);
        const expected = rule?.fixtures[file]?.severity;
        if (expected) expect(alerts[0]?.severity).toBe(expected);
        for (const alert of alerts) {
          expect(alert.evidence.length, 'an alert names the resources that triggered it').toBeGreaterThan(0);
          expect(alert.summary.length).toBeLessThan(140);
        }
      });
    }
    for (const file of negatives) {
      it(`stays silent on ${file}`, async () => {
        const screened = await screenFile(join(dir, file));
        expect(screened.length, 'the fixture holds a living-donor candidate').toBeGreaterThan(0);
        const fired = screened.flatMap((s) => s.report.alerts).filter((a) => a.rule === id);
        expect(fired, `${id} must not fire on ${file}`).toEqual([]);
      });
    }
  });
}
