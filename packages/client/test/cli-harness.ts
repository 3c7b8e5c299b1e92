import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { main } from '../src/cli/run.js';

// The `tollgate` CLI run in-process through `main` (what the bin runs), each command with its own
// argv, environment and standard streams.

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const dirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  dirs.push(dir);
  return dir;
}

/** Removes every directory `tempDir` made (call from `afterAll`). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A CLI with its own config directory and only the environment given here (nothing from this
 * process). Standard input is empty unless `stdin` is given, and is not a terminal.
 */
export function cli(extraEnv: Record<string, string> = {}) {
  const configDir = join(tempDir(), 'config');
  const env: Record<string, string> = { TOLLGATE_CONFIG_DIR: configDir, ...extraEnv };
  const run = async (
    args: readonly string[],
    more: Record<string, string> = {},
    stdin: readonly string[] = [],
  ): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      env: { ...env, ...more },
      stdin: Readable.from(stdin),
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    });
    return { code, stdout, stderr };
  };
  return { run, configDir, sessionFile: join(configDir, 'session.json') };
}

/** No JWT and no refresh token in anything printed. */
export function expectNoTokens(...runs: Run[]): void {
  for (const { stdout, stderr } of runs) {
    expect(stdout + stderr).not.toMatch(/eyJ[\w-]+\.[\w-]+|tgr_/);
  }
}

/** A usage error: exit code 2, nothing on stdout, the message on the first line of stderr. */
export function expectUsageError(result: Run, message: string | RegExp, label = ''): void {
  expect(result.code, `${label}: ${result.stderr}`).toBe(2);
  expect(result.stdout, label).toBe('');
  const first = result.stderr.split('\n')[0]!;
  if (typeof message === 'string') expect(first, label).toBe(`tollgate: ${message}`);
  else expect(first, label).toMatch(message);
  expect(result.stderr, label).not.toMatch(/^\s+at /m);
}
