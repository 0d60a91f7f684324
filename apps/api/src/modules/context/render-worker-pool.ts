import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TemplateProblem, TemplateRenderError } from './template-error';

export interface RenderJob {
  id: number;
  source: string;
  variables: Record<string, unknown>;
}

export type WorkerReply =
  | { ready: true }
  | { id: number; ok: true; output: string; renderTimeMs: number }
  | { id: number; ok: false; problem: TemplateProblem };

export interface RenderResult {
  output: string;
  renderTimeMs: number;
}

interface PendingRender {
  job: RenderJob;
  timeoutMs: number;
  resolve(result: RenderResult): void;
  reject(error: Error): void;
}

interface PooledWorker {
  worker: Worker;
  ready: boolean;
  current?: PendingRender & { timer: NodeJS.Timeout };
}

export interface RenderWorkerPoolOptions {
  size: number;
  /** Memory a worker may use; a template that builds huge values fails instead of the server. */
  maxMemoryMb?: number;
}

// The build ships .js; under Jest the sources are TypeScript, compiled here with swc (a dev
// dependency) because worker threads do not go through Jest's transform.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const load = require('node:module').createRequire(workerData.entry);
if (workerData.entry.endsWith('.ts')) {
  const { transformSync } = load('@swc/core');
  const { readFileSync } = load('node:fs');
  load.extensions['.ts'] = (module, filename) => {
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename, swcrc: false, module: { type: 'commonjs' },
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    });
    module._compile(code, filename);
  };
}
load(workerData.entry);
`;
const WORKER_ENTRY = path.join(__dirname, `template-render.worker${path.extname(__filename)}`);

/**
 * Renders templates in a few long-lived worker threads. Each render has a deadline; a worker
 * that misses it is terminated (the only way to stop synchronous JavaScript) and replaced.
 * The deadline starts when a warm worker takes the job, so start-up time never counts.
 */
export class RenderWorkerPool {
  private readonly workers: PooledWorker[] = [];
  private readonly queue: PendingRender[] = [];
  private nextJobId = 1;
  private closed = false;

  constructor(private readonly options: RenderWorkerPoolOptions) {}

  render(
    source: string,
    variables: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<RenderResult> {
    if (this.closed) return Promise.reject(new Error('the template renderer is shut down'));
    return new Promise<RenderResult>((resolve, reject) => {
      this.queue.push({
        job: { id: this.nextJobId++, source, variables },
        timeoutMs,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  /** Starts the workers ahead of the first render. */
  warmUp(): void {
    while (!this.closed && this.workers.length < this.options.size) this.spawn();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new Error('the template renderer is shut down'));
    }
    const workers = this.workers.splice(0);
    for (const entry of workers) {
      this.detach(entry)?.reject(new Error('the template renderer is shut down'));
    }
    await Promise.all(workers.map((entry) => entry.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = this.workers.find((entry) => entry.ready && !entry.current);
      if (!idle) {
        if (this.workers.length < this.options.size) this.spawn();
        return;
      }
      this.start(idle, this.queue.shift()!);
    }
  }

  private start(entry: PooledWorker, pending: PendingRender): void {
    const timer = setTimeout(() => {
      entry.current = undefined;
      this.retire(entry);
      pending.reject(
        new TemplateRenderError({
          kind: 'timeout',
          reason: `rendering took longer than ${pending.timeoutMs} ms`,
          line: null,
          column: null,
        }),
      );
    }, pending.timeoutMs);
    entry.current = { ...pending, timer };
    try {
      entry.worker.postMessage(pending.job);
    } catch (error) {
      // Only data can be sent: a function or symbol among the variables cannot be cloned.
      this.detach(entry);
      pending.reject(
        new TemplateRenderError({
          kind: 'render',
          reason: `the variables cannot be rendered: ${(error as Error).message}`,
          line: null,
          column: null,
        }),
      );
    }
  }

  private spawn(): void {
    const maxMemoryMb = this.options.maxMemoryMb ?? 128;
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry: WORKER_ENTRY },
      resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.unref();
    const entry: PooledWorker = { worker, ready: false };
    this.workers.push(entry);

    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        entry.ready = true;
      } else {
        if (entry.current?.job.id !== reply.id) return;
        const current = this.detach(entry)!;
        if (reply.ok) current.resolve({ output: reply.output, renderTimeMs: reply.renderTimeMs });
        else current.reject(new TemplateRenderError(reply.problem));
      }
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const current = this.detach(entry);
      // A worker that cannot start fails the waiting renders instead of respawning forever.
      if (!entry.ready && !current) {
        this.failQueue(new Error(`the template renderer failed to start: ${error.message}`));
      }
      this.retire(entry);
      current?.reject(
        new TemplateRenderError({
          kind: 'resources',
          reason:
            error.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? 'rendering used too much memory'
              : 'the template renderer failed',
          line: null,
          column: null,
        }),
      );
    });
    worker.on('exit', () => {
      if (!this.workers.includes(entry)) return;
      const current = this.detach(entry);
      this.retire(entry);
      current?.reject(new Error('the template renderer stopped unexpectedly'));
    });
  }

  private detach(entry: PooledWorker): PendingRender | undefined {
    const current = entry.current;
    if (current) clearTimeout(current.timer);
    entry.current = undefined;
    return current;
  }

  /** Removes a worker (terminating it if still running) and lets the queue move on. */
  private retire(entry: PooledWorker): void {
    const index = this.workers.indexOf(entry);
    if (index === -1) return;
    this.workers.splice(index, 1);
    void entry.worker.terminate();
    if (!this.closed) this.dispatch();
  }

  private failQueue(error: Error): void {
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }
}
