import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RED_FLAG_FILE, renderRedFlagCodeSystem } from '../../scripts/build-red-flag-codesystem.js';
import { rules } from '../support/engine.js';

describe('CodeSystem/red-flag', () => {
  it('is generated from rules/ and not stale (run `npm run profiles:red-flag`)', async () => {
    const committed = await readFile(RED_FLAG_FILE, 'utf8');
    expect(committed).toBe(await renderRedFlagCodeSystem());
  });

  it('has one code per rule, each with its family', async () => {
    const cs = JSON.parse(await readFile(RED_FLAG_FILE, 'utf8')) as { concept: Array<{ code: string; property: Array<{ code: string; valueCode: string }> }> };
    const { ruleset } = await rules();
    expect(cs.concept.map((c) => c.code)).toEqual(ruleset.rules.map((r) => r.id).sort());
    for (const c of cs.concept) {
      const rule = ruleset.rules.find((r) => r.id === c.code);
      expect(c.property.find((p) => p.code === 'family')?.valueCode).toBe(rule?.family);
    }
  });
});
