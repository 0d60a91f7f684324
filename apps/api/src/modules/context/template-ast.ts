import nunjucks from 'nunjucks';
import { parseTemplateError } from './template-error';

/** The shape of Nunjucks' parse tree (undocumented, stable since 2.x; see nunjucks/src/nodes.js). */
export interface TemplateNode {
  typename: string;
  fields: string[];
  lineno: number;
  colno: number;
  value?: unknown;
  [field: string]: unknown;
}

const parser = (nunjucks as unknown as { parser: { parse(source: string): TemplateNode } }).parser;

function isNode(value: unknown): value is TemplateNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TemplateNode).typename === 'string' &&
    Array.isArray((value as TemplateNode).fields)
  );
}

// Fields that name something other than a variable (loop variables, set targets, macro names,
// dict keys, filters) rather than read a variable.
const NAMING_FIELDS: Record<string, readonly string[]> = {
  Filter: ['name'],
  FilterAsync: ['name'],
  For: ['name'],
  AsyncEach: ['name'],
  AsyncAll: ['name'],
  Set: ['targets'],
  Macro: ['name'],
  Caller: ['name'],
  Pair: ['key'],
  Import: ['target'],
  FromImport: ['names'],
};
const DECLARES_ARGUMENTS = new Set(['Macro', 'Caller']);

function walk(node: TemplateNode, visit: (node: TemplateNode) => void): void {
  visit(node);
  const skipped = NAMING_FIELDS[node.typename] ?? [];
  for (const field of node.fields) {
    if (skipped.includes(field)) continue;
    const value = node[field];
    // `x is divisibleby(3)`: the test's name is not a variable, its arguments may be.
    if (node.typename === 'Is' && field === 'right' && isNode(value)) {
      if (value.typename === 'FunCall' && isNode(value.args)) walk(value.args, visit);
      if (value.typename !== 'Symbol' && value.typename !== 'FunCall') walk(value, visit);
      continue;
    }
    const children = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const child of children) {
      if (!isNode(child)) continue;
      // Macro parameters are names; their default values (KeywordArgs) are expressions.
      if (field === 'args' && DECLARES_ARGUMENTS.has(node.typename)) {
        for (const argument of (child.children as unknown[]) ?? []) {
          if (isNode(argument) && argument.typename !== 'Symbol') walk(argument, visit);
        }
        continue;
      }
      walk(child, visit);
    }
  }
}

/** Parses template source; a syntax error is thrown as TemplateRenderError with its position. */
export function parseTemplate(source: string): TemplateNode {
  try {
    return parser.parse(source);
  } catch (error) {
    throw parseTemplateError(error, 'compile', source);
  }
}

/** Names of the variables a template reads (not the ones it declares), in first-use order. */
export function referencedVariables(source: string): string[] {
  const names = new Set<string>();
  walk(parseTemplate(source), (node) => {
    if (node.typename === 'Symbol' && typeof node.value === 'string') names.add(node.value);
  });
  return [...names];
}

/**
 * Whether the template shows the conversation itself (`conversation_history` or `history`);
 * if not, the chat turn sends the recent messages to the LLM as separate messages.
 */
export function templateUsesHistory(source: string): boolean {
  try {
    const names = referencedVariables(source);
    return names.includes('conversation_history') || names.includes('history');
  } catch {
    // Stored templates always parse; an unparsable one shows nothing, history included.
    return false;
  }
}
