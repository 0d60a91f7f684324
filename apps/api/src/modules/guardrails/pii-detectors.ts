import { isIPv6 } from 'node:net';

export const PII_KINDS = ['email', 'phone', 'credit_card', 'ip'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

interface Detector {
  pattern: RegExp;
  /** Checks a candidate the pattern cannot (digit counts, Luhn, address syntax). */
  accept?: (candidate: string) => boolean;
  /** Longest text a match can span, lookaround included (the streaming scanner's hold-back). */
  reach: number;
}

// Every quantifier is bounded, so no detector can backtrack for long on any input.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;

const DETECTORS: Record<PiiKind, Detector> = {
  email: {
    pattern: new RegExp(
      '(?<![\\w.%+-])[\\w.%+-]{1,64}@(?:[A-Za-z0-9-]{1,40}\\.){1,4}[A-Za-z]{2,24}(?![\\w-])',
      'g',
    ),
    reach: 256,
  },
  phone: {
    pattern: new RegExp(
      [
        // International: +49 151 1234 5678, +1 (555) 123-4567, 0044 20 7946 0958
        '(?<![\\w+])(?:\\+|00)[1-9](?:[ .-]?\\(?\\d\\)?){6,14}(?![\\w-]|[.-]\\d)',
        // North American: (555) 123-4567, 555-123-4567, 1 555.123.4567
        '(?<![\\w+.-])(?:1[ .-])?(?:\\(\\d{3}\\) ?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}(?![\\w-]|[.-]\\d)',
        // Local: 555-1234
        '(?<![\\w+.-])\\d{3}-\\d{4}(?![\\w-]|[.-]\\d)',
        // National with a trunk 0: 030 1234567, 0151-12345678, 020 7946 0958, 06 12 34 56 78
        '(?<![\\w+.,/-])0\\d{1,4}(?:[ /.-]?\\d{2,5}){1,4}(?![\\w-]|[.,/-]\\d)',
      ].join('|'),
      'g',
    ),
    accept: (candidate) => {
      const digits = candidate.replace(/\D/g, '').length;
      if (digits < 7 || digits > 15) return false;
      // 01.02.2024 12 is a date and a time, not a number to call.
      return !/^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b/.test(candidate);
    },
    reach: 40,
  },
  credit_card: {
    pattern: new RegExp(
      [
        '(?<![\\d-])\\d{13,19}(?!\\d)',
        // 4-4-4-4(-3) with one kind of separator, and Amex/Diners 4-6-5 / 4-6-4
        '(?<![\\d-])\\d{4}([ -])\\d{4}\\1\\d{4}\\1\\d{4}(?:\\1\\d{3})?(?!\\d)',
        '(?<![\\d-])\\d{4}([ -])\\d{6}\\2\\d{4,5}(?!\\d)',
      ].join('|'),
      'g',
    ),
    accept: (candidate) => passesLuhn(candidate.replace(/\D/g, '')),
    reach: 32,
  },
  ip: {
    pattern: new RegExp(
      [
        `(?<!\\d|\\d\\.)${IPV4}(?!\\.?\\d)`,
        // IPv6 candidates, checked by node:net (also ::ffff:192.0.2.1)
        `(?<![\\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:${IPV4}|[0-9A-Fa-f]{1,4})?(?![\\w:]|\\.\\d)`,
      ].join('|'),
      'g',
    ),
    accept: (candidate) =>
      !candidate.includes(':') || (isIPv6(candidate) && /[\da-f]/i.test(candidate)),
    reach: 64,
  },
};

/** The Luhn checksum of card numbers (13 to 19 digits, not all zeros). */
export function passesLuhn(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits) || /^0+$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** How far back the streaming scanner must hold text for these kinds. */
export function piiReach(kinds: readonly PiiKind[]): number {
  return Math.max(0, ...kinds.map((kind) => DETECTORS[kind].reach));
}

/**
 * Personal data of the given kinds in `text`, starting at or after `from` (text before `from` is
 * only context for the boundaries). Non-overlapping, in text order; where kinds overlap, the
 * match that starts first (then the longest) wins.
 */
export function findPii(text: string, kinds: readonly PiiKind[], from = 0): PiiMatch[] {
  const found: PiiMatch[] = [];
  for (const kind of kinds) {
    const { pattern, accept } = DETECTORS[kind];
    pattern.lastIndex = from;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      if (accept && !accept(match[0])) {
        // A shorter candidate may start inside a rejected one.
        pattern.lastIndex = match.index + 1;
        continue;
      }
      found.push({ kind, start: match.index, end: match.index + match[0].length });
    }
  }
  found.sort((left, right) => left.start - right.start || right.end - left.end);
  const kept: PiiMatch[] = [];
  for (const match of found) {
    const last = kept.at(-1);
    if (!last || match.start >= last.end) kept.push(match);
  }
  return kept;
}

/** Replaces personal data of every kind with its label, e.g. `[email]` (for excerpts). */
export function maskPii(text: string): string {
  let masked = '';
  let position = 0;
  for (const match of findPii(text, PII_KINDS)) {
    masked += `${text.slice(position, match.start)}[${match.kind}]`;
    position = match.end;
  }
  return masked + text.slice(position);
}
