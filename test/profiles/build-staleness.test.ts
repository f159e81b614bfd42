import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROFILES_DIR, buildProfiles } from '../../scripts/build-profiles.js';
import { prepareFhirCache } from '../../scripts/prepare-fhir-cache.js';

/**
 * The committed `profiles/fsh-generated/` must be what SUSHI makes of `profiles/input/fsh/` today (A8 #9).
 * Self-sufficient for a fresh clone: buildProfiles() prepares the offline package cache (`.cache/fhir-home`) first.
 */

const scratch = mkdtempSync(join(tmpdir(), 'donorguard-profiles-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(dir, path));
    }
  };
  walk(dir);
  return files.sort();
}

describe('profiles build', () => {
  it('prepares the offline FHIR package cache idempotently', () => {
    const home = join(scratch, 'fhir-home');
    const first = prepareFhirCache(home);
    expect(first.created).toBe(true);
    expect(first.files).toBeGreaterThan(4000);
    expect(existsSync(join(first.packageDir, 'StructureDefinition-DetectedIssue.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(first.packageDir, 'package.json'), 'utf8'))).toMatchObject({
      name: 'hl7.fhir.r4.core',
      version: '4.0.1',
    });
    const second = prepareFhirCache(home);
    expect(second).toEqual({ ...first, created: false });
    rmSync(home, { recursive: true, force: true });
  });

  it('regenerates exactly the committed profiles/fsh-generated', { timeout: 90_000 }, async () => {
    const result = await buildProfiles({ outDir: join(scratch, 'out'), quiet: true });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.errors, result.output).toBe(0);
    expect(result.warnings, result.output).toBe(0);

    const committedDir = join(PROFILES_DIR, 'fsh-generated');
    const fresh = listFiles(result.generatedDir);
    const committed = listFiles(committedDir);
    const hint = 'profiles/fsh-generated is stale: run `npm run profiles` and commit the result';
    expect(committed, hint).toEqual(fresh);
    for (const file of fresh) {
      expect(readFileSync(join(committedDir, file), 'utf8'), `${file}: ${hint}`).toBe(
        readFileSync(join(result.generatedDir, file), 'utf8'),
      );
    }
  });
});
