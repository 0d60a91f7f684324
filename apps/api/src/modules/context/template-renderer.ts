import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config';
import { TemplateEngine } from './template-interpreter';
import { sampleTemplateVariables } from './template-variables';

export interface RenderResult {
  output: string;
  renderTimeMs: number;
}

/**
 * Renders prompt templates (spec section 4, step 6) with the template interpreter. Templates
 * are data: they are interpreted within budgets, never compiled to JavaScript, so a render is
 * safe and short enough to run on the request's own thread.
 */
@Injectable()
export class TemplateRenderer {
  private readonly engine: TemplateEngine;

  constructor(config: AppConfig) {
    this.engine = new TemplateEngine(config.templateBudgets);
  }

  /** Throws TemplateRenderError (kind `syntax`, `render` or `budget`) with the position. */
  render(source: string, variables: Record<string, unknown>): RenderResult {
    const started = performance.now();
    const output = this.engine.render(source, variables);
    return { output, renderTimeMs: performance.now() - started };
  }

  /**
   * What saving a template requires: it parses, uses only what templates may use (no loads of
   * other templates, known filters and tests), and renders against a sample context within
   * the budgets. Throws TemplateRenderError with the position.
   */
  validate(source: string, now = new Date()): void {
    this.render(source, sampleTemplateVariables(now));
  }
}
