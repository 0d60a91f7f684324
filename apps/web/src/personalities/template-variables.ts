/** Variables every template sees (spec section 4, step 5). */
export const TEMPLATE_VARIABLES = [
  { name: 'user_context', hint: 'memory as key: value lines' },
  { name: 'conversation_history', hint: 'recent messages as role: content lines' },
  { name: 'user_id', hint: 'the end user id' },
  { name: 'message', hint: 'the message being answered' },
  { name: 'now', hint: 'ISO time' },
  { name: 'history', hint: 'array of {role, content, created_at}' },
  { name: 'memory', hint: 'object of memory keys' },
  { name: 'user_mode', hint: 'the state label, e.g. active' },
];

export interface TemplateProblem {
  line: number;
  column: number | null;
  message: string;
}
