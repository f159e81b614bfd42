import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { settingsSchema, type Settings } from '../core/settings.js';
import { parseYaml, SourceError, zodProblems } from './yaml-source.js';

/**
 * Settings: the documented defaults in `rules/settings.default.yaml`, then the centre's own file
 * (same shape, any subset), then single overrides such as `--centre-country`.
 */
export async function loadSettings(defaultsFile: string, centreFile?: string, overrides: Partial<Settings> = {}): Promise<Settings> {
  const merged: Record<string, unknown> = {};
  for (const file of [defaultsFile, centreFile]) {
    if (!file) continue;
    const display = relative(process.cwd(), file) || file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new SourceError([`${display}: cannot read the settings file`]);
    }
    const { source, problems } = parseYaml(display, text);
    if (problems.length > 0) throw new SourceError(problems);
    const data: unknown = source.doc.toJS() ?? {};
    const parsed = settingsSchema.partial().safeParse(data);
    if (!parsed.success) throw new SourceError(zodProblems(source, parsed.error));
    Object.assign(merged, data);
  }
  Object.assign(merged, overrides);
  const result = settingsSchema.safeParse(merged);
  if (!result.success) throw new SourceError(result.error.issues.map((i) => `settings ${i.path.join('.')}: ${i.message}`));
  return result.data;
}
