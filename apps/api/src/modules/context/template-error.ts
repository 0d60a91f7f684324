export type TemplateErrorKind = 'syntax' | 'render' | 'budget';

/** The budgets a render can exceed (see TemplateBudgets). */
export type TemplateBudgetName =
  'steps' | 'loop_iterations' | 'output_chars' | 'string_chars' | 'list_items' | 'call_depth';

/** Where and why a template failed. */
export interface TemplateProblem {
  kind: TemplateErrorKind;
  reason: string;
  line: number | null;
  column: number | null;
  /** Which budget ran out (kind `budget` only). */
  budget?: TemplateBudgetName;
}

/** A template that does not compile, fails while rendering, or exceeds a render budget. */
export class TemplateRenderError extends Error implements TemplateProblem {
  readonly kind: TemplateErrorKind;
  readonly reason: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly budget?: TemplateBudgetName;

  constructor({ kind, reason, line, column, budget }: TemplateProblem) {
    super(line === null ? reason : `${reason} (${describePosition(line, column)})`);
    this.name = 'TemplateRenderError';
    this.kind = kind;
    this.reason = reason;
    this.line = line;
    this.column = column;
    if (budget !== undefined) this.budget = budget;
  }

  toProblem(): TemplateProblem {
    const problem: TemplateProblem = {
      kind: this.kind,
      reason: this.reason,
      line: this.line,
      column: this.column,
    };
    if (this.budget !== undefined) problem.budget = this.budget;
    return problem;
  }
}

export function describePosition(line: number, column: number | null): string {
  return column === null ? `line ${line}` : `line ${line}, column ${column}`;
}

// Nunjucks prefixes messages with "(path) [Line 3, Column 5]\n  " (position only when known),
// once per nesting level, and wraps thrown errors as "Error: …".
const HEADER = /^(?:Template render error: )?\([^)\n]*\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\s*/;

/**
 * Turns a Nunjucks error into a problem with a 1-based position. Compile errors already count
 * from 1; render errors carry the 0-based position of the last call Nunjucks tracked, or none.
 */
export function parseTemplateError(
  error: unknown,
  phase: 'compile' | 'render',
  source?: string,
): TemplateRenderError {
  if (error instanceof TemplateRenderError) return error;
  let rest = error instanceof Error ? error.message : String(error);
  // The parser's own errors (before Nunjucks formats them) carry the position as fields.
  const position = error as { lineno?: unknown; colno?: unknown };
  let line = phase === 'compile' && typeof position.lineno === 'number' ? position.lineno : null;
  let column = line !== null && typeof position.colno === 'number' ? position.colno : null;
  for (let header = HEADER.exec(rest); header; header = HEADER.exec(rest)) {
    if (line === null && header[1] !== undefined) {
      const offset = phase === 'render' ? 1 : 0;
      line = Number(header[1]) + offset;
      column = header[2] === undefined ? null : Number(header[2]) + offset;
    }
    rest = rest.slice(header[0].length);
  }
  const reason = rest.replace(/^Error: /, '').trim() || 'the template could not be rendered';
  // The parser gives no position only when it ran out of input: point at the end.
  if (phase === 'compile' && line === null && source !== undefined) {
    const lines = source.split('\n');
    line = lines.length;
    column = (lines.at(-1) ?? '').length + 1;
  }
  return new TemplateRenderError({
    kind: phase === 'compile' ? 'syntax' : 'render',
    reason,
    line,
    column,
  });
}
