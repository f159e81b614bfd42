import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { donorGroups, lightRecord } from '../../src/core/input/donor-groups.js';
import { RULES_DIR } from '../support/engine.js';
import { screenCli } from '../support/cli.js';
import { cloneBundleText } from '../../bench/corpus.js';

interface Entry {
  fullUrl?: string;
  resource: { resourceType: string; id?: string } & Record<string, unknown>;
}

/** Bulk Data shape: one file per type, one resource per line, references as `Type/id`. */
async function toNdjson(bundles: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-ndjson-'));
  const byType = new Map<string, string[]>();
  for (const text of bundles) {
    const entries = (JSON.parse(text) as { entry: Entry[] }).entry;
    const urlToRef = new Map(entries.filter((e) => e.fullUrl).map((e) => [e.fullUrl!, `${e.resource.resourceType}/${e.resource.id}`]));
    const rewritten = JSON.stringify(entries.map((e) => e.resource), (key, value: unknown) =>
      key === 'reference' && typeof value === 'string' ? (urlToRef.get(value) ?? value) : value,
    );
    for (const resource of JSON.parse(rewritten) as Entry['resource'][]) {
      const lines = byType.get(resource.resourceType) ?? [];
      lines.push(JSON.stringify(resource));
      byType.set(resource.resourceType, lines);
    }
  }
  for (const [type, lines] of byType) await writeFile(join(dir, `${type}.ndjson`), lines.join('\n') + '\n');
  return dir;
}

async function fixtureTexts(): Promise<string[]> {
  const out: string[] = [];
  for (const rule of (await readdir(RULES_DIR)).filter((n) => n.includes('.')).sort()) {
    const dir = join(RULES_DIR, rule, 'fixtures');
    for (const f of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('positive-')).sort()) {
      out.push(await readFile(join(dir, f), 'utf8'));
    }
  }
  return out;
}

type Report = { workups: Array<{ donor: string; alerts: Array<{ rule: string; severity: string }> }> };

describe('Bulk Data NDJSON', () => {
  it('screens the same donors with the same alerts as the Bundle form', async () => {
    const texts = (await fixtureTexts()).slice(0, 12).map((t, i) => cloneBundleText(t, i));
    const bundleDir = await mkdtemp(join(tmpdir(), 'dg-bundles-'));
    await Promise.all(texts.map((t, i) => writeFile(join(bundleDir, `w${i}.json`), t)));
    const ndjsonDir = await toNdjson(texts);

    const fromBundles = await screenCli([bundleDir], { format: 'json', centreCountry: 'GB' });
    const fromNdjson = await screenCli([ndjsonDir], { format: 'json', centreCountry: 'GB' });
    expect(fromBundles.code).toBe(0);
    expect(fromNdjson.code).toBe(0);
    const summarise = (r: Report, keyOf: (donor: string) => string) =>
      r.workups
        .map((w) => ({ donor: keyOf(w.donor), alerts: w.alerts.map((a) => `${a.rule}:${a.severity}`).sort() }))
        .sort((a, b) => a.donor.localeCompare(b.donor));
    const bundleReport = JSON.parse(fromBundles.stdout) as Report;
    const ndjsonReport = JSON.parse(fromNdjson.stdout) as Report;
    expect(ndjsonReport.workups.length).toBe(bundleReport.workups.length);
    expect(ndjsonReport.workups.length).toBeGreaterThan(0);
    // Donor keys differ (fullUrl vs Patient/id); alert sets per donor must not.
    const alertSets = (r: Report) => summarise(r, () => '').map((w) => w.alerts.join(',')).sort();
    expect(alertSets(ndjsonReport)).toEqual(alertSets(bundleReport));
  });

  it('reports a broken line with file and line, and marks the screen incomplete', async () => {
    const dir = await toNdjson([(await fixtureTexts())[0]!]);
    const file = join(dir, 'Patient.ndjson');
    const before = await readFile(file, 'utf8');
    await writeFile(file, before + '{"resourceType": "Patient", oops\n');
    const brokenLine = before.split('\n').filter((l) => l.length > 0).length + 1;
    const run = await screenCli([dir], { format: 'json', centreCountry: 'GB' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Patient.ndjson:${brokenLine}: not valid JSON`);
    const report = JSON.parse(run.stdout) as { workups: Array<{ status: string }> };
    expect(report.workups.every((w) => w.status === 'incomplete')).toBe(true);
  });

  it('keeps each donor group to that donor’s own data: groups do not grow with the population', () => {
    // 500 donors who all share one hospital Organization and one clinician.
    const records = [
      lightRecord({ resourceType: 'Organization', id: 'hospital' }),
      lightRecord({ resourceType: 'Practitioner', id: 'dr' }),
    ];
    for (let n = 0; n < 500; n++) {
      records.push(lightRecord({ resourceType: 'Patient', id: `d${n}`, managingOrganization: { reference: 'Organization/hospital' } }));
      records.push(
        lightRecord({
          resourceType: 'EpisodeOfCare',
          id: `e${n}`,
          status: 'active',
          type: [{ coding: [{ system: 'http://donorguard.org/fhir/CodeSystem/workup', code: 'living-donor-evaluation' }] }],
          patient: { reference: `Patient/d${n}` },
          managingOrganization: { reference: 'Organization/hospital' },
        }),
      );
      records.push(
        lightRecord({ resourceType: 'Encounter', id: `enc${n}`, status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/d${n}` }, participant: [{ individual: { reference: 'Practitioner/dr' } }] }),
      );
    }
    const groups = donorGroups(records.filter((r) => r !== undefined));
    expect(groups.size).toBe(500);
    const largest = Math.max(...[...groups.values()].map((g) => g.length));
    expect(largest).toBeLessThanOrEqual(5);
  });
});
