#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT, runScreen, type Io } from './screen-command.js';

const io: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  today: () => new Date().toISOString().slice(0, 10),
};

const program = new Command('donorguard')
  .description('Screen living-donor workups in FHIR R4 for indicators of trafficking in persons for organ removal.')
  .exitOverride()
  .configureOutput({ writeErr: (t) => io.err(t) });

program
  .command('screen')
  .description('Screen FHIR Bundle files, folders of them, or Bulk Data NDJSON files/folders.')
  .argument('<file-or-folder...>', 'Bundle .json files, .ndjson files, or folders holding them')
  .option('--format <format>', 'text | json | fhir (a Bundle of DetectedIssue)', 'text')
  .option('--as-of <date>', 'screen date YYYY-MM-DD (default: today)')
  .option('--centre-country <code>', "ISO 3166-1 alpha-2 code of the centre's country (overrides the settings file)")
  .option('--settings <file>', "the centre's settings YAML (overrides rules/settings.default.yaml)")
  .option('--fail-on <severity>', 'exit 3 when any donor has an alert of this severity or higher: critical | warning')
  .action(async (paths: string[], opts: Record<string, unknown>) => {
    process.exitCode = await runScreen({ paths, ...opts }, io);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.unusableInput;
  } else {
    io.err(`donorguard: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.bug;
  }
}
