import { describe, expect, it } from 'vitest';
import { compileExpression, isTrue } from '../../src/core/rules/fhirpath-engine.js';

// The contract with the FHIRPath engine (ecosystem.md A8 #10): run before any engine upgrade.
const donor = { resourceType: 'Patient', birthDate: '2008-03-03' };
const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueInteger: 0 };
const cases: Array<[string, Record<string, unknown>, unknown[]]> = [
  ['%donor.birthDate > %asOf.toDate() - 18 years', { donor, asOf: '2026-03-02' }, [true]],
  ['%donor.birthDate > %asOf.toDate() - 18 years', { donor, asOf: '2026-03-03' }, [false]],
  ['%workup.value', { workup: obs }, [0]],
  ['%workup.missing.exists()', { workup: {} }, [false]],
  ['%workup.a = 1', { workup: { a: null } }, []],
  ["%workup.roles contains 'EXT'", { workup: { roles: ['COUSN', 'EXT', 'FAMMEMB'] } }, [true]],
  ['%workup.`interviewed-alone` = false', { workup: { 'interviewed-alone': false } }, [true]],
  ['%workup.`interviewed-alone` = false', { workup: {} }, []],
  ['%workup.n < %settings.limit', { workup: { n: 29 }, settings: { limit: 30 } }, [true]],
  ['%workup.where(status = \'final\').value.ofType(integer)', { workup: [obs] }, [0]],
];

describe('FHIRPath semantics rules rely on', () => {
  for (const [expression, env, expected] of cases) {
    it(`${expression} → ${JSON.stringify(expected)}`, () => {
      expect(compileExpression(expression, Object.keys(env))(env)).toEqual(expected);
    });
  }

  it('pins the engine quirk behind the load-time guard: where(bareBoolean) keeps false items', async () => {
    const fhirpath = (await import('fhirpath')).default;
    const r4 = (await import('fhirpath/fhir-context/r4/index.js')).default;
    const items = [{ flag: false, n: 1 }, { flag: true, n: 2 }];
    // If this starts returning [2], the engine was fixed and the guard in fhirpath-engine.ts can go.
    expect(fhirpath.evaluate({}, '%items.where(flag).n', { items }, r4)).toEqual([1, 2]);
    expect(compileExpression('%items.where(flag = true).n', ['items'])({ items })).toEqual([2]);
    expect(() => compileExpression('%items.where(flag).n', ['items'])).toThrow(/where\(flag = true\)/);
  });

  it('only exactly true fires a rule: empty (unknown) does not', () => {
    expect(isTrue([true])).toBe(true);
    expect(isTrue([])).toBe(false);
    expect(isTrue([true, true])).toBe(false);
    expect(isTrue(['true'])).toBe(false);
  });
});
