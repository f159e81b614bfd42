/**
 * Compiles `profiles/input/fsh/*.fsh` with SUSHI, offline, into `profiles/fsh-generated/resources/*.json`
 * (ecosystem.md §B3 and A8 #9: the generated JSON is committed and checked for staleness by the tests).
 *
 * Steps: prepare the project-local FHIR package cache (scripts/prepare-fhir-cache.ts), then run
 * `sushi build profiles -s` with `HOME=.cache/fhir-home` so that SUSHI finds `hl7.fhir.r4.core#4.0.1` there.
 * `-s` writes snapshots, which the Medplum validator in the tests needs.
 *
 * Usage: `npm run profiles` or `tsx scripts/build-profiles.ts [--out DIR] [--quiet]`. With `--out DIR` SUSHI writes to
 * `DIR/fsh-generated/` instead of `profiles/fsh-generated/`. Exits non-zero when SUSHI reports any error.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FHIR_HOME, REPO_ROOT, prepareFhirCache } from './prepare-fhir-cache.js';

export const PROFILES_DIR = join(REPO_ROOT, 'profiles');

export interface BuildOptions {
  /** Folder that receives `fsh-generated/` (default: `profiles/`, SUSHI's own default). */
  outDir?: string;
  /** Capture SUSHI's output instead of passing it through to this process's stdout and stderr. */
  quiet?: boolean;
}

export interface BuildResult {
  /** SUSHI's exit code (SUSHI exits with its error count). */
  exitCode: number;
  /** Errors SUSHI reported (from its results table), or -1 when that table is missing. */
  errors: number;
  /** Warnings SUSHI reported, not counting those ignored by `profiles/sushi-ignoreWarnings.txt`. */
  warnings: number;
  /** SUSHI's combined output (empty unless `quiet`). */
  output: string;
  /** The folder that holds the generated `resources/`. */
  generatedDir: string;
}

function sushiEntry(): string {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  return join(dirname(require.resolve('fsh-sushi/package.json')), 'dist', 'app.js');
}

/** Reads SUSHI's results line, e.g. `| ...   0 Errors      3 Warnings |`. */
function parseCounts(output: string): { errors: number; warnings: number } {
  const match = /(\d+) Errors?\s+(\d+) Warnings?/.exec(output);
  if (match === null) return { errors: -1, warnings: -1 };
  return { errors: Number(match[1]), warnings: Number(match[2]) };
}

/** Prepares the offline cache and runs SUSHI once. Never throws for SUSHI errors: check `exitCode` and `errors`. */
export async function buildProfiles(options: BuildOptions = {}): Promise<BuildResult> {
  const { home } = prepareFhirCache();
  const outDir = resolve(options.outDir ?? PROFILES_DIR);
  const args = [sushiEntry(), 'build', PROFILES_DIR, '--snapshot', '--out', outDir];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    // SUSHI runs `npm view fsh-sushi version`; with HOME moved npm no longer reads the user's .npmrc, so keep it quiet.
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
  };
  const quiet = options.quiet === true;
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!quiet) process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!quiet) process.stderr.write(chunk);
  });
  const exitCode = await new Promise<number>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise(code ?? (signal === null ? 1 : 128)));
  });
  const counts = parseCounts(output);
  return {
    exitCode,
    errors: counts.errors,
    warnings: counts.warnings,
    output: quiet ? output : '',
    generatedDir: join(outDir, 'fsh-generated'),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false } },
    allowPositionals: false,
  });
  const result = await buildProfiles({ outDir: values.out, quiet: values.quiet });
  if (result.exitCode !== 0 || result.errors !== 0) {
    if (values.quiet) process.stderr.write(result.output);
    process.stderr.write(
      `build-profiles: SUSHI failed (exit code ${result.exitCode}, ${result.errors < 0 ? 'no results table' : `${result.errors} errors`}); HOME was ${FHIR_HOME}\n`,
    );
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `build-profiles: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
