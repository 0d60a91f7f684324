import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const workspaceRoot = path.join(__dirname, '../../..');
let outDir: string;
let mainJs: string;

/** Runs the built stub; resolves once it printed its first line (or exited). */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const started = new Promise<string>((resolve) => {
    child.stdout.once('data', () => resolve(stdout));
    void exited.then(() => resolve(stdout));
  });
  return { child, started, exited, output: () => ({ stdout, stderr }) };
}

describe('main (the built stub)', () => {
  const running: ChildProcess[] = [];

  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'llm-stub-build-'));
    execFileSync(
      process.execPath,
      [
        'libs/tooling/swc-build.mjs',
        '--swcrc',
        'apps/llm-stub/.swcrc',
        '--out',
        outDir,
        'apps/llm-stub/src',
        'libs/llm-stub/src',
      ],
      { cwd: workspaceRoot, stdio: 'ignore' },
    );
    mainJs = path.join(outDir, 'apps/llm-stub/src/main.js');
  });
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('starts with one line, answers, and stops cleanly on SIGTERM', async () => {
    const stub = run({ STUB_PORT: '0', STUB_REPLY_PREFIX: 'Env: ' });
    running.push(stub.child);
    const line = await stub.started;
    const match = /^LLM stub listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(line);
    expect(match).not.toBeNull();

    const response = await fetch(`${match![1]}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'from env' }] }),
    });
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('Env: from env');

    stub.child.kill('SIGTERM');
    expect(await stub.exited).toBe(0);
    expect(stub.output().stdout).toBe(line);
  });

  it('refuses to start with a bad variable and names it', async () => {
    const stub = run({ STUB_PORT: '0', STUB_TOKEN_LATENCY_MS: 'fast' });
    running.push(stub.child);
    expect(await stub.exited).toBe(1);
    expect(stub.output().stderr).toBe(
      'LLM stub failed to start: Invalid configuration:\n' +
        '  - STUB_TOKEN_LATENCY_MS must be a whole number from 0 to 3600000 (got "fast")\n',
    );
  });
});
