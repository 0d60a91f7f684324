const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE, 'g');

/** PostgreSQL refuses NUL and unpaired surrogates in text and jsonb: a 422 here, not a 500. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** The text with each NUL and unpaired surrogate replaced by U+FFFD, so PostgreSQL takes it. */
export function toStorableText(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATES, '\ufffd');
}
