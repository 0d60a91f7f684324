import { buildReply, estimateTokens, lastUserTurn, tokenize } from './reply';

const natural = { prefix: 'Echo: ', replyTokens: null, maxTokens: undefined };

describe('tokenize', () => {
  it('splits into words that carry the whitespace before them', () => {
    expect(tokenize('Echo: hello  big\nworld')).toEqual(['Echo:', ' hello', '  big', '\nworld']);
  });

  it('keeps leading and trailing whitespace, so the tokens join back to the text', () => {
    const text = '  spaced out \n';
    expect(tokenize(text)).toEqual(['  spaced', ' out', ' \n']);
    expect(tokenize(text).join('')).toBe(text);
  });

  it('gives no tokens for an empty text', () => {
    expect(tokenize('')).toEqual([]);
  });
});

describe('buildReply', () => {
  it('echoes the source after the prefix', () => {
    expect(buildReply('hi there', natural)).toEqual({
      tokens: ['Echo:', ' hi', ' there'],
      finishReason: 'stop',
    });
  });

  it('cuts at the caller limit and says so', () => {
    expect(buildReply('one two three', { ...natural, maxTokens: 2 })).toEqual({
      tokens: ['Echo:', ' one'],
      finishReason: 'length',
    });
  });

  it('is not cut when the reply fits the limit exactly', () => {
    expect(buildReply('one', { ...natural, maxTokens: 2 }).finishReason).toBe('stop');
  });

  it('pads a short reply to the fixed token count by repeating its words', () => {
    const reply = buildReply('hi', { ...natural, replyTokens: 5 });
    expect(reply.tokens.join('')).toBe('Echo: hi Echo: hi Echo:');
    expect(reply).toMatchObject({ finishReason: 'stop' });
    expect(reply.tokens).toHaveLength(5);
  });

  it('cuts a long reply to the fixed token count without calling it truncated', () => {
    const reply = buildReply('a b c d', { ...natural, replyTokens: 2 });
    expect(reply).toEqual({ tokens: ['Echo:', ' a'], finishReason: 'stop' });
  });

  it('pads an empty reply with a filler word', () => {
    const reply = buildReply('', { prefix: '', replyTokens: 3, maxTokens: undefined });
    expect(reply.tokens.join('')).toBe(' stub stub stub');
  });

  it('applies the caller limit after the fixed token count', () => {
    const reply = buildReply('hi', { ...natural, replyTokens: 10, maxTokens: 4 });
    expect(reply.tokens).toHaveLength(4);
    expect(reply.finishReason).toBe('length');
  });
});

describe('estimateTokens', () => {
  it('counts about four characters per token, rounding up', () => {
    expect([0, 1, 4, 5, 8].map(estimateTokens)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('lastUserTurn', () => {
  it('takes the text after the last User: marker, up to the Assistant: line', () => {
    const prompt = 'System text\nUser: first\nAssistant: answer\nUser: second one\nAssistant:';
    expect(lastUserTurn(prompt)).toBe('second one');
  });

  it('ends the user turn at a System: line', () => {
    expect(lastUserTurn('User: hi\nSystem: operator note\nAssistant:')).toBe('hi');
  });

  it('keeps a multi-line user turn and accepts a lowercase marker', () => {
    expect(lastUserTurn('user: line one\nline two\nassistant:')).toBe('line one\nline two');
  });

  it('ignores a marker that does not start a line', () => {
    expect(lastUserTurn('User: real\nthe User: quoted\nAssistant:')).toBe('real\nthe User: quoted');
  });

  it('falls back to the last non-empty line', () => {
    expect(lastUserTurn('Instructions\n\nSay something nice  \n\n')).toBe('Say something nice');
  });
});
