// True when a Docker engine answers; testcontainers is only tried then.
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

function dockerAvailable() {
  if (process.env.TESTCONTAINERS_DISABLED === 'true') return false;
  const socket = (process.env.DOCKER_HOST || 'unix:///var/run/docker.sock').replace(
    /^unix:\/\//,
    '',
  );
  if (!process.env.DOCKER_HOST?.startsWith('tcp://') && !fs.existsSync(socket)) return false;
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeout: 5000,
    encoding: 'utf8',
  });
  return result.status === 0 && result.stdout.trim().length > 0;
}

module.exports = { dockerAvailable };
