import { Logger } from '@nestjs/common';
import { RunningStubServer, startStubServer } from '@promptdev/llm-stub';
import { AppConfig } from './config/app-config';

export interface DevLlm {
  config: AppConfig;
  stub?: RunningStubServer;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(500) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Local use without a model: when LLM_BASE_URL is not set and nothing answers at the default
 * address, the bundled stub LLM is started in-process so chat works out of the box.
 */
export async function startDevLlmIfNeeded(config: AppConfig): Promise<DevLlm> {
  const logger = new Logger('LLM');
  if (!config.llmBaseUrlIsDefault || config.nodeEnv === 'production') {
    logger.log(`using the LLM server at ${config.llmBaseUrl} (${config.llmApi} API)`);
    return { config };
  }
  if (await answers(config.llmBaseUrl)) {
    logger.log(`using the LLM server answering at ${config.llmBaseUrl} (${config.llmApi} API)`);
    return { config };
  }
  const defaultPort = Number(new URL(config.llmBaseUrl).port);
  const stub = await startStubServer({ host: '127.0.0.1', port: defaultPort }).catch(() =>
    startStubServer({ host: '127.0.0.1', port: 0 }),
  );
  logger.warn(
    `LLM_BASE_URL is not set and no LLM answers at ${config.llmBaseUrl}: replies come from the ` +
      `built-in stub LLM at ${stub.url} (it echoes). Set LLM_BASE_URL to use a real model.`,
  );
  return { config: new AppConfig({ ...config, llmBaseUrl: stub.url, llmApi: 'openai' }), stub };
}
