import { parentPort } from 'node:worker_threads';
import { SandboxedRenderer } from './nunjucks-sandbox';
import { parseTemplateError } from './template-error';
import type { RenderJob, WorkerReply } from './render-worker-pool';

// Runs in a worker thread: a template that loops forever blocks only this thread, which the
// pool terminates when the render deadline passes.
const port = parentPort;
if (!port) throw new Error('template-render.worker must run in a worker thread');
const renderer = new SandboxedRenderer();

port.on('message', (job: RenderJob) => {
  const started = performance.now();
  let reply: WorkerReply;
  try {
    const output = renderer.render(job.source, job.variables);
    reply = { id: job.id, ok: true, output, renderTimeMs: performance.now() - started };
  } catch (error) {
    reply = { id: job.id, ok: false, problem: parseTemplateError(error, 'render').toProblem() };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies WorkerReply);
