import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cdsResponseSchema } from '../../src/cds/schemas.js';
import { PREFETCH_KEYS } from '../../src/cds/services.js';
import { readResources } from '../../src/core/input/read-bundle.js';
import { screenPool } from '../../src/core/screen.js';
import { seedExamples } from '../../src/server.js';
import { AS_OF, ROOT, patientView, postJson, rulesAndSettings, startService, type RunningService } from './support.js';

/**
 * The door must not change the verdict: every demo workup screened through CDS Hooks (no prefetch, all
 * data read from the FHIR server, recipient found by the service) gives the cards its Bundle gives when
 * screened as a file, with the same screen status, in 17 parallel reads plus one or two batches.
 *
 * One known exception: network rules compare the donor with OTHER donors in the pool (a former donor as
 * the new donor's companion). A Bundle file is such a pool; a hook reads one patient's records, so
 * network findings (and a combination they contributed to) are left out of the comparison.
 */

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

it('every demo workup: same findings and status over FHIR as from its Bundle', async () => {
  const { rules, settings } = await rulesAndSettings();
  expect(svc.donors).toHaveLength(14);
  const fhir = svc.fhir;
  if (!fhir) throw new Error('embedded FHIR server expected');
  for (const { file: name } of svc.donors) {
    // One workup at a time on the server: the in-memory searches stay fast, and nothing else can match.
    fhir.clear();
    const [donor] = (await seedExamples(fhir, join(ROOT, 'profiles', 'examples'), (f) => f === `${name}.json`)).donors;
    if (!donor) throw new Error(`no donor in ${name}`);
    const bundle: unknown = JSON.parse(readFileSync(join(ROOT, 'profiles', 'examples', `${donor.file}.json`), 'utf8'));
    const { screened } = screenPool(readResources(bundle, donor.file).entries, rules.ruleset, {
      asOf: AS_OF,
      settings,
      roleCodes: rules.roleCodes,
    });
    expect(screened).toHaveLength(1);
    const file = screened[0]!.report;
    const network = new Set(file.alerts.filter((a) => a.family === 'network').map((a) => a.rule));
    const poolOnly = (rule: string): boolean =>
      network.has(rule) ||
      file.alerts.some((a) => a.rule === rule && (a.contributing ?? []).some((c) => network.has(c)));
    const expected = file.alerts
      .filter((a) => !poolOnly(a.rule))
      .filter((a) => a.severity === 'critical' || (a.severity === 'warning' && a.audience.includes('surgeon')))
      .map((a) => `${a.severity}:${a.rule}`)
      .sort();
    if (file.status === 'incomplete') expected.push('warning:screen-incomplete');

    svc.fhirRequests.reset();
    const res = await postJson(
      `${svc.url}/cds-services/donorguard-patient-view`,
      patientView(donor.patientId, { fhirServer: svc.fhirUrl }),
    );
    expect(res.status, donor.file).toBe(200);
    const got = cdsResponseSchema
      .parse(res.json)
      .cards.filter((c) => !poolOnly(c.source.topic?.code ?? ''))
      .map((c) => `${c.indicator}:${c.source.topic?.code ?? 'screen-incomplete'}`)
      .sort();
    expect(got, donor.file).toEqual(expected.sort());
    const m = svc.metrics.at(-1);
    expect(m?.screenStatus, donor.file).toBe(file.status);
    expect(m?.notChecked, donor.file).toBe(file.notChecked.length);
    expect(svc.fhirRequests.count, donor.file).toBe(PREFETCH_KEYS.length + (m?.gather?.rounds ?? 0));
    expect(m?.gather?.rounds, donor.file).toBeLessThanOrEqual(2);
  }
});
