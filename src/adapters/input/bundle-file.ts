import { readFile, stat } from 'node:fs/promises';
import type { PooledResource } from '../../core/fhir/resource-index.js';
import { readResources } from '../../core/input/read-bundle.js';
import type { InputProblem } from '../../core/report.js';
import { parseJsonText } from './json-text.js';

/** Larger files belong in Bulk Data NDJSON, which is streamed. */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

export interface BundleFileResult {
  entries: PooledResource[];
  /** The file as a whole could not be used. */
  fatal: InputProblem[];
  /** Entries skipped: the screen of this file is incomplete. */
  problems: InputProblem[];
}

export async function readBundleFile(file: string): Promise<BundleFileResult> {
  const size = (await stat(file)).size;
  if (size > MAX_BUNDLE_BYTES) {
    return { entries: [], fatal: [{ where: file, message: `file is ${size} bytes; Bundles over ${MAX_BUNDLE_BYTES} bytes must be split or given as NDJSON` }], problems: [] };
  }
  const parsed = parseJsonText(await readFile(file, 'utf8'));
  if (!parsed.ok) return { entries: [], fatal: [{ where: file, message: parsed.message }], problems: [] };
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
    return { entries: [], fatal: [{ where: file, message: 'JSON but not FHIR: expected a Bundle or a resource with a resourceType' }], problems: [] };
  }
  const { entries, problems } = readResources(value, file);
  if (entries.length === 0 && problems.length > 0) return { entries, fatal: problems, problems: [] };
  return { entries, fatal: [], problems };
}
