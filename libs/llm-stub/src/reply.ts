/** Deterministic replies: what the stub "generates" is a pure function of the input. */

export type FinishReason = 'stop' | 'length';

export interface Reply {
  /** Word-ish tokens; joined they give the reply text exactly. */
  tokens: string[];
  finishReason: FinishReason;
}

export interface ReplyOptions {
  prefix: string;
  /** Pads or cuts the reply to exactly this many tokens (benchmarks). */
  replyTokens: number | null;
  /** The caller's limit (`max_tokens`, `n_predict`): cuts the reply, finish reason `length`. */
  maxTokens: number | undefined;
}

// Each token is a word with the whitespace before it; trailing whitespace is a token of its own.
const TOKEN = /\s*\S+|\s+/g;
const PADDING_WORD = 'stub';

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function buildReply(source: string, options: ReplyOptions): Reply {
  let tokens = tokenize(options.prefix + source);
  if (options.replyTokens !== null) tokens = fitTokens(tokens, options.replyTokens);
  if (options.maxTokens !== undefined && tokens.length > options.maxTokens) {
    return { tokens: tokens.slice(0, options.maxTokens), finishReason: 'length' };
  }
  return { tokens, finishReason: 'stop' };
}

/** Cuts to `count` tokens, or repeats the reply's words (space-separated) up to `count`. */
function fitTokens(tokens: string[], count: number): string[] {
  if (tokens.length >= count) return tokens.slice(0, count);
  const words = tokens.map((token) => token.trim()).filter(Boolean);
  if (words.length === 0) words.push(PADDING_WORD);
  const fitted = tokens.slice();
  for (let index = 0; fitted.length < count; index++) {
    fitted.push(` ${words[index % words.length]}`);
  }
  return fitted;
}

/** A stand-in for a tokenizer's count: about four characters per token. */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

const USER_MARKERS = ['User:', 'user:'];
const NEXT_TURN_MARKERS = ['\nAssistant:', '\nassistant:', '\nSystem:', '\nsystem:'];

/**
 * What a llama.cpp-style prompt asks: the text after the last line-initial `User:`/`user:`
 * marker (up to an `Assistant:` or `System:` line), else the last non-empty line.
 */
export function lastUserTurn(prompt: string): string {
  let start = -1;
  for (const marker of USER_MARKERS) {
    let at = prompt.lastIndexOf(marker);
    while (at > 0 && prompt[at - 1] !== '\n') at = prompt.lastIndexOf(marker, at - 1);
    if (at !== -1 && at + marker.length > start) start = at + marker.length;
  }
  if (start === -1) return lastLine(prompt);
  let end = prompt.length;
  for (const marker of NEXT_TURN_MARKERS) {
    const at = prompt.indexOf(marker, start);
    if (at !== -1 && at < end) end = at;
  }
  return prompt.slice(start, end).trim();
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}
