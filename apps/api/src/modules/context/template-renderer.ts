import { availableParallelism } from 'node:os';
import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { SandboxedRenderer } from './nunjucks-sandbox';
import { RenderResult, RenderWorkerPool } from './render-worker-pool';
import { findTemplateLoad } from './template-ast';
import { TemplateRenderError } from './template-error';
import { sampleTemplateVariables } from './template-variables';

/**
 * Renders prompt templates with the hardened Nunjucks environment (spec section 4, step 6).
 * `render` runs in-process; `renderWithTimeout` runs in a worker thread with a deadline and is
 * what anything rendering templates it has not checked before should use.
 */
@Injectable()
export class TemplateRenderer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly renderer = new SandboxedRenderer();
  private readonly pool = new RenderWorkerPool({ size: Math.min(2, availableParallelism()) });

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    this.pool.warmUp();
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.close();
  }

  /** Renders on the calling thread; throws TemplateRenderError. */
  render(source: string, variables: Record<string, unknown>): string {
    return this.renderer.render(source, variables);
  }

  /** Renders in a worker; a render slower than the deadline fails with kind `timeout`. */
  renderWithTimeout(
    source: string,
    variables: Record<string, unknown>,
    timeoutMs = this.config.templateRenderTimeoutMs,
  ): Promise<RenderResult> {
    return this.pool.render(source, variables, timeoutMs);
  }

  /**
   * What saving a template requires: it parses, loads no other template, and renders against
   * a sample context within the deadline. Throws TemplateRenderError with the position.
   */
  async validate(source: string, now = new Date()): Promise<void> {
    const load = findTemplateLoad(source);
    if (load) {
      throw new TemplateRenderError({
        kind: 'syntax',
        reason: `{% ${load.tag} %} is not available: a template cannot load other templates`,
        line: load.line,
        column: load.column,
      });
    }
    await this.renderWithTimeout(source, sampleTemplateVariables(now));
  }
}
