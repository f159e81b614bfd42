import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRules, type LoadedRules } from '../../src/adapters/rules-loader.js';
import { loadSettings } from '../../src/adapters/settings-loader.js';
import { readResources } from '../../src/core/input/read-bundle.js';
import { screenPool, type ScreenedWorkup } from '../../src/core/screen.js';
import type { Settings } from '../../src/core/settings.js';

export const RULES_DIR = join(import.meta.dirname, '..', '..', 'rules');
export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'profiles', 'examples');

let cached: Promise<LoadedRules> | undefined;
export function rules(): Promise<LoadedRules> {
  cached ??= loadRules(RULES_DIR);
  return cached;
}

/** Fixtures are written for a centre in GB unless a fixture folder says otherwise. */
export async function fixtureSettings(overrides: Partial<Settings> = {}): Promise<Settings> {
  return loadSettings(join(RULES_DIR, 'settings.default.yaml'), undefined, { centreCountry: 'GB', ...overrides });
}

export async function readBundleFile(file: string): Promise<{ json: Record<string, unknown>; asOf: string }> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const ts = json['timestamp'];
  if (typeof ts !== 'string') throw new Error(`${file}: fixture Bundles carry the screen date in Bundle.timestamp`);
  return { json, asOf: ts.slice(0, 10) };
}

/** Screen a Bundle file the way the CLI does, with fixture settings. */
export async function screenFile(file: string, overrides: Partial<Settings> = {}): Promise<ScreenedWorkup[]> {
  const { json, asOf } = await readBundleFile(file);
  const { entries, problems } = readResources(json, file);
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.where}: ${p.message}`).join('\n'));
  const loaded = await rules();
  const settings = await fixtureSettings(overrides);
  return screenPool(entries, loaded.ruleset, { asOf, settings, roleCodes: loaded.roleCodes }).screened;
}
