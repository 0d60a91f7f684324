import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataDirInUseError, lockDataDir } from './data-dir-lock';

describe('lockDataDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pd-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the lock with our pid and releases it', () => {
    const data = path.join(dir, 'pg');
    const unlock = lockDataDir(data);
    expect(readFileSync(`${data}.lock`, 'utf8')).toBe(String(process.pid));
    unlock();
    expect(() => readFileSync(`${data}.lock`)).toThrow();
  });

  it('refuses a directory locked by a running process, naming it', () => {
    const data = path.join(dir, 'pg');
    // The parent of this process is alive for the whole test.
    writeFileSync(`${data}.lock`, String(process.ppid));
    expect(() => lockDataDir(data)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(data)).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('takes over a lock left by a process that is gone', () => {
    const data = path.join(dir, 'pg');
    writeFileSync(`${data}.lock`, '2147483646');
    const unlock = lockDataDir(data);
    expect(readFileSync(`${data}.lock`, 'utf8')).toBe(String(process.pid));
    unlock();
  });
});
