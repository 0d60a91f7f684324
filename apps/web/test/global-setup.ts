import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser tests start the real API with its own test harness
import apiGlobalSetup from '../../api/test/setup/global-setup';

/** The database as for the API's e2e tests, plus a current build of the SPA (cached by Nx). */
export default async function globalSetup(): Promise<void> {
  if (existsSync('/usr/bin/chromium') || process.env.CI === 'true') {
    execFileSync('npx', ['nx', 'run', 'web:build', '--output-style=stream'], {
      stdio: 'inherit',
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
    });
  }
  await apiGlobalSetup();
}
