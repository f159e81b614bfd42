import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileFast, Unsupported } from '../../src/core/rules/fast-path.js';
import { compileReference } from '../../src/core/rules/fhirpath-engine.js';
import { ruleVariables } from '../../src/core/rules/evaluate.js';
import { readResources } from '../../src/core/input/read-bundle.js';
import { ResourceIndex } from '../../src/core/fhir/resource-index.js';
import { findDonors } from '../../src/core/gather/find-donors.js';
import { buildWorkup } from '../../src/core/gather/build-workup.js';
import { EXAMPLES_DIR, fixtureSettings, RULES_DIR, rules } from '../support/engine.js';

/** Every FHIRPath expression in the catalogue: conditions, evidence, needs, severity changes, template placeholders. */
function catalogueExpressions(): string[] {
  const out = new Set<string>();
  for (const id of readdirSync(RULES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.includes('.')).map((d) => d.name)) {
    const spec = parse(readFileSync(join(RULES_DIR, id, 'rule.yaml'), 'utf8')) as Record<string, unknown>;
    for (const key of ['applies', 'condition', 'evidence']) if (typeof spec[key] === 'string') out.add(spec[key]);
    for (const need of (spec['needs'] as Array<{ check: string }> | undefined) ?? []) out.add(need.check);
    const severity = spec['severity'] as { lower?: Array<{ when: string }>; raise?: Array<{ when: string }> };
    for (const change of [...(severity.lower ?? []), ...(severity.raise ?? [])]) out.add(change.when);
    for (const key of ['summary', 'detail']) {
      for (const m of String(spec[key]).matchAll(/\{\{([^}]*)\}\}/g)) out.add((m[1] ?? '').trim());
    }
  }
  return [...out];
}

function bundleFiles(): string[] {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).map((f) => join(EXAMPLES_DIR, f));
  for (const id of readdirSync(RULES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.includes('.')).map((d) => d.name)) {
    const dir = join(RULES_DIR, id, 'fixtures');
    try {
      files.push(...readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)));
    } catch {
      /* no fixtures: the rule runner reports it */
    }
  }
  return files;
}

describe('the fast path agrees with fhirpath.js', () => {
  it('on every catalogue expression over every fixture and demo workup', async () => {
    const { roleCodes, ruleset } = await rules();
    const settings = await fixtureSettings();
    const expressions = catalogueExpressions().map((e) => ({ e, fast: compileFast(e), reference: compileReference(e) }));
    const covered = expressions.filter((x) => x.fast !== undefined).length;
    // Most of the catalogue runs on the fast path; the rest falls back to fhirpath.js.
    expect(covered / expressions.length).toBeGreaterThan(0.8);

    let compared = 0;
    for (const file of bundleFiles()) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { timestamp: string };
      const asOf = json.timestamp.slice(0, 10);
      const index = new ResourceIndex(readResources(json, file).entries);
      for (const donor of findDonors(index)) {
        const workup = buildWorkup(index, donor, { asOf, settings, roleCodes });
        const base = ruleVariables(workup, asOf, settings);
        for (const fired of [[], ruleset.rules.map((r) => r.id)]) {
          const vars = { ...base, firedRules: fired, firedFamilies: [...new Set(fired.map((id) => id.split('.')[0]))] };
          for (const { e, fast, reference } of expressions) {
            if (!fast) continue;
            let fastResult: unknown[] | undefined;
            try {
              fastResult = fast(vars);
            } catch (err) {
              if (err instanceof Unsupported) continue;
              throw err;
            }
            expect(fastResult, `${file}\n${e}`).toEqual(reference(vars));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('declines what it does not cover, so fhirpath.js answers', () => {
    expect(compileFast("%donor.birthDate > %asOf.toDate() - 18 years")).toBeUndefined();
    expect(compileFast('%a.b.distinct()')).toBeUndefined();
    const onResource = compileFast('%donor.birthDate')!;
    expect(() => onResource({ donor: { resourceType: 'Patient', birthDate: '2000-01-01' } })).toThrow(Unsupported);
  });
});
