import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRules } from '../src/adapters/rules-loader.js';
import { redFlagCodeSystem } from '../src/core/render/red-flag-codesystem.js';
import { PROJECT_ROOT } from '../src/cli/screen-command.js';

/** Regenerate profiles/generated/CodeSystem-red-flag.json from rules/ (a test fails when it is stale). */
export const RED_FLAG_FILE = join(PROJECT_ROOT, 'profiles', 'generated', 'CodeSystem-red-flag.json');

export async function renderRedFlagCodeSystem(): Promise<string> {
  const { ruleset } = await loadRules(join(PROJECT_ROOT, 'rules'));
  return JSON.stringify(redFlagCodeSystem(ruleset), null, 2) + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await mkdir(join(PROJECT_ROOT, 'profiles', 'generated'), { recursive: true });
  await writeFile(RED_FLAG_FILE, await renderRedFlagCodeSystem());
  console.log(`wrote ${RED_FLAG_FILE}`);
}
