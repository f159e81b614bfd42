import { runScreen, type Io } from '../../src/cli/screen-command.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the screen command in-process with captured output and a fixed "today". */
export async function screenCli(paths: string[], options: Record<string, unknown> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (t) => (stdout += t), err: (t) => (stderr += t), today: () => '2026-03-02' };
  const code = await runScreen({ paths, ...options }, io);
  return { code, stdout, stderr };
}
