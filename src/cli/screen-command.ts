import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBundleFile } from '../adapters/input/bundle-file.js';
import { ndjsonFilesIn, openNdjsonDataset } from '../adapters/input/ndjson-folder.js';
import { loadRules } from '../adapters/rules-loader.js';
import { loadSettings } from '../adapters/settings-loader.js';
import { SourceError } from '../adapters/yaml-source.js';
import { ResourceIndex } from '../core/fhir/resource-index.js';
import { toDetectedIssueBundle } from '../core/render/detected-issue.js';
import { toText } from '../core/render/text.js';
import type { InputProblem, ScreenReport, WorkupReport } from '../core/report.js';
import { severityRank } from '../core/report.js';
import { screenDonor, screenPool, toReport } from '../core/screen.js';
import { screenOptionsSchema } from './screen-options.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Today's date, YYYY-MM-DD: the CLI's default --as-of (the core never reads the clock). */
  today(): string;
}

export const EXIT = { ok: 0, bug: 1, unusableInput: 2, alertsFound: 3 } as const;

interface InputPlan {
  bundles: string[];
  ndjson: string[][];
  problems: InputProblem[];
}

async function planInputs(paths: string[]): Promise<InputPlan> {
  const plan: InputPlan = { bundles: [], ndjson: [], problems: [] };
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      plan.problems.push({ where: path, message: 'no such file or folder' });
      continue;
    }
    if (info.isDirectory()) {
      const { readdir } = await import('node:fs/promises');
      const names = (await readdir(path)).sort();
      const json = names.filter((n) => n.endsWith('.json')).map((n) => join(path, n));
      const nd = await ndjsonFilesIn(path);
      if (json.length === 0 && nd.length === 0) plan.problems.push({ where: path, message: 'folder holds no .json Bundle or .ndjson file' });
      plan.bundles.push(...json);
      if (nd.length > 0) plan.ndjson.push(nd);
    } else if (path.endsWith('.ndjson')) {
      plan.ndjson.push([path]);
    } else {
      plan.bundles.push(path);
    }
  }
  return plan;
}

function markIncomplete(workups: WorkupReport[], problems: InputProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) => `input problem at ${p.where}: ${p.message}; whatever it held was not screened`);
  for (const w of workups) {
    w.notChecked = [...w.notChecked, ...lines];
    w.status = 'incomplete';
  }
}

/** `screen <file-or-folder>...`: the contract integrators script against (issue #2). Returns the exit code. */
export async function runScreen(raw: Record<string, unknown>, io: Io): Promise<number> {
  const parsed = screenOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) io.err(`donorguard: ${issue.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: ` : ''}${issue.message}\n`);
    return EXIT.unusableInput;
  }
  const options = parsed.data;
  const asOf = options.asOf ?? io.today();

  let loaded;
  let settings;
  try {
    loaded = await loadRules(join(PROJECT_ROOT, 'rules'));
    settings = await loadSettings(
      join(PROJECT_ROOT, 'rules', 'settings.default.yaml'),
      options.settings,
      options.centreCountry ? { centreCountry: options.centreCountry } : {},
    );
  } catch (err) {
    if (err instanceof SourceError) {
      for (const p of err.problems) io.err(`donorguard: ${p}\n`);
      return EXIT.unusableInput;
    }
    throw err;
  }
  const screenOptions = { asOf, settings, roleCodes: loaded.roleCodes };

  const plan = await planInputs(options.paths);
  const fatal: InputProblem[] = [...plan.problems];
  const warnings: InputProblem[] = [];
  const workups: WorkupReport[] = [];

  for (const file of plan.bundles) {
    const read = await readBundleFile(file);
    fatal.push(...read.fatal);
    if (read.fatal.length > 0) continue;
    const { index, screened } = screenPool(read.entries, loaded.ruleset, screenOptions);
    const problems = [...read.problems, ...index.problems];
    const reports = screened.map((s) => ({ ...s.report, source: file }));
    markIncomplete(reports, problems);
    warnings.push(...problems);
    if (reports.length === 0) warnings.push({ where: file, message: 'no living-donor candidate found (no open living-donor EpisodeOfCare or living organ donor Observation)' });
    workups.push(...reports);
  }
  for (const files of plan.ndjson) {
    const dataset = await openNdjsonDataset(files);
    try {
      const reports: WorkupReport[] = [];
      for (const donor of dataset.donors) {
        const index = new ResourceIndex(await dataset.load(donor));
        const entry = index.resolve(donor);
        if (!entry) continue;
        reports.push({ ...screenDonor(index, entry, loaded.ruleset, screenOptions).report, source: entry.where });
      }
      markIncomplete(reports, dataset.problems);
      warnings.push(...dataset.problems);
      if (reports.length === 0) warnings.push({ where: files.join(', '), message: 'no living-donor candidate found' });
      workups.push(...reports);
    } finally {
      await dataset.close();
    }
  }

  if (fatal.length > 0) {
    for (const p of fatal) io.err(`donorguard: ${p.where}: ${p.message}\n`);
    return EXIT.unusableInput;
  }
  for (const p of warnings) io.err(`donorguard: warning: ${p.where}: ${p.message}\n`);

  const report: ScreenReport = toReport(asOf, loaded.ruleset, workups);
  if (options.format === 'json') io.out(JSON.stringify(report, null, 2) + '\n');
  else if (options.format === 'fhir') io.out(JSON.stringify(toDetectedIssueBundle(report), null, 2) + '\n');
  else io.out(toText(report));

  if (options.failOn) {
    const threshold = severityRank(options.failOn);
    if (workups.some((w) => severityRank(w.highest) >= threshold)) return EXIT.alertsFound;
  }
  return EXIT.ok;
}
