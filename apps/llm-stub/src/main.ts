import { loadStubConfig, startStubServer, StubConfigError } from '@promptdev/llm-stub';

async function main(): Promise<void> {
  const config = loadStubConfig(process.env);
  const stub = await startStubServer({
    host: config.host,
    port: config.port,
    model: config.model,
    settings: config.settings,
    log: config.log ? (line) => process.stdout.write(`${line}\n`) : undefined,
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stub.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`LLM stub listening on ${stub.url}\n`);
}

main().catch((error: unknown) => {
  const message =
    error instanceof StubConfigError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`LLM stub failed to start: ${message}\n`);
  process.exit(1);
});
