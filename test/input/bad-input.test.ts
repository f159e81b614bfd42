import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenCli } from '../support/cli.js';

const DONOR = 'urn:uuid:00000000-0000-4000-8000-000000000001';
const donorEntries = [
  {
    fullUrl: DONOR,
    resource: { resourceType: 'Patient', id: 'd1', birthDate: '1990-01-01', name: [{ family: 'Test', given: ['Donor'] }], address: [{ use: 'home', country: 'GB' }] },
  },
  {
    fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000002',
    resource: {
      resourceType: 'EpisodeOfCare',
      id: 'e1',
      status: 'active',
      type: [{ coding: [{ system: 'http://donorguard.org/fhir/CodeSystem/workup', code: 'living-donor-evaluation' }] }],
      patient: { reference: DONOR },
    },
  },
];

async function file(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bad-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function bundle(entries: unknown[]): string {
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries });
}

describe('bad input: a clear error or an incomplete screen, never a crash or a silent clean', () => {
  it('an empty file is unusable input (exit 2, one line naming the file)', async () => {
    const path = await file('empty.json', '');
    const run = await screenCli([path]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`donorguard: ${path}: empty file`]);
    expect(run.stdout).toBe('');
  });

  it('text that is not JSON names the line and column', async () => {
    const path = await file('broken.json', '{\n  "resourceType": "Bundle",\n  "entry": [ oops ]\n}');
    const run = await screenCli([path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/broken\.json: not valid JSON at line 3, column \d+/);
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('JSON that is not FHIR is unusable input', async () => {
    const path = await file('notfhir.json', JSON.stringify({ hello: 'world' }));
    const run = await screenCli([path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('JSON but not FHIR');
  });

  it('a missing file is unusable input', async () => {
    const run = await screenCli(['/nonexistent/bundle.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/bundle.json: no such file or folder');
  });

  it('entries of unknown types are skipped and make the screen incomplete', async () => {
    const path = await file('unknown.json', bundle([...donorEntries, { resource: { resourceType: 'Spaceship', id: 'x' } }, { resource: 'a string' }]));
    const run = await screenCli([path], { format: 'json' });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { workups: Array<{ status: string; notChecked: string[] }> };
    expect(report.workups).toHaveLength(1);
    expect(report.workups[0]?.status).toBe('incomplete');
    expect(report.workups[0]?.notChecked.join('\n')).toContain('unknown resourceType "Spaceship"');
    expect(run.stderr).toContain('entry[2]');
  });

  it('dangling and circular references neither crash nor pass as clean', async () => {
    const entries = [
      ...donorEntries,
      { fullUrl: 'urn:uuid:00000000-0000-4000-8000-00000000000a', resource: { resourceType: 'RelatedPerson', id: 'rp1', patient: { reference: 'Patient/missing' }, relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'BRO' }] }] } },
      { fullUrl: 'urn:uuid:00000000-0000-4000-8000-00000000000b', resource: { resourceType: 'Account', id: 'a1', status: 'active', subject: [{ reference: DONOR }], guarantor: [{ party: { reference: 'Organization/nowhere' } }], partOf: { reference: 'Account/a1' } } },
    ];
    const withLink = structuredClone(entries);
    (withLink[0]!.resource as Record<string, unknown>)['link'] = [{ type: 'seealso', other: { reference: 'urn:uuid:00000000-0000-4000-8000-00000000000a' } }];
    const path = await file('dangling.json', bundle(withLink));
    const run = await screenCli([path], { format: 'json' });
    expect(run.code).toBe(0);
    const w = (JSON.parse(run.stdout) as { workups: Array<{ status: string; notChecked: string[] }> }).workups[0]!;
    expect(w.status).toBe('incomplete');
    expect(w.notChecked.join('\n')).toContain('Organization/nowhere');
  });

  it('duplicate ids with different content are reported and the screen is incomplete', async () => {
    const dup = structuredClone(donorEntries[0]!);
    (dup.resource as Record<string, unknown>)['birthDate'] = '1970-01-01';
    const path = await file('dup.json', bundle([...donorEntries, { ...dup, fullUrl: 'urn:uuid:00000000-0000-4000-8000-0000000000ff' }]));
    const run = await screenCli([path], { format: 'json' });
    expect(run.code).toBe(0);
    const w = (JSON.parse(run.stdout) as { workups: Array<{ status: string; notChecked: string[] }> }).workups[0]!;
    expect(w.status).toBe('incomplete');
    expect(w.notChecked.join('\n')).toContain('duplicate resource Patient/d1');
  });

  it('wrong value types are survived: the donor is screened or reported unscreened, never clean', async () => {
    const entries = structuredClone(donorEntries) as Array<{ resource: Record<string, unknown> }>;
    entries[0]!.resource['address'] = 'not an array';
    entries[0]!.resource['link'] = 42;
    entries[0]!.resource['birthDate'] = 19900101;
    const path = await file('types.json', bundle([...entries, { resource: { resourceType: 'Encounter', id: 'x', status: 'finished', subject: { reference: DONOR }, type: 'psychosocial', participant: 'nobody' } }]));
    const run = await screenCli([path], { format: 'json' });
    expect(run.code).toBe(0);
    const w = (JSON.parse(run.stdout) as { workups: Array<{ status: string }> }).workups[0]!;
    expect(w.status).toBe('incomplete');
  });

  it('huge strings are handled', async () => {
    const entries = structuredClone(donorEntries) as Array<{ resource: Record<string, unknown> }>;
    entries[0]!.resource['name'] = [{ family: 'x'.repeat(5_000_000), given: ['Big'] }];
    const path = await file('huge.json', bundle(entries));
    const run = await screenCli([path], { format: 'json' });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('xxxxxxxxxx'); // names never echo into reports
  });

  it('a valid Bundle with no donor candidate says so rather than reporting clean', async () => {
    const path = await file('nodonor.json', bundle([{ resource: { resourceType: 'Patient', id: 'p' } }]));
    const run = await screenCli([path], { format: 'json' });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ workups: [] });
    expect(run.stderr).toContain('no living-donor candidate found');
  });

  it('bad options are refused with a clear message', async () => {
    const run = await screenCli(['x.json'], { asOf: '2026-02-30', format: 'yaml', centreCountry: 'GBR' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--as-of: not a calendar date');
    expect(run.stderr).toContain('--format');
    expect(run.stderr).toContain('--centre-country: an ISO 3166-1 alpha-2 code');
  });
});
