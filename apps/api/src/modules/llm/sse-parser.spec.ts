import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('returns each complete event once, across arbitrary chunk boundaries', () => {
    const stream = 'data: {"a":1}\n\ndata: {"b":2}\r\n\r\n: comment\n\ndata: [DONE]\n\n';
    for (let size = 1; size <= stream.length; size += 1) {
      const parser = new SseParser();
      const events: string[] = [];
      for (let i = 0; i < stream.length; i += size)
        events.push(...parser.push(stream.slice(i, i + size)));
      events.push(...parser.flush());
      expect(events).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    }
  });

  it('joins multi-line data and decodes UTF-8 split inside a character', () => {
    const parser = new SseParser();
    const bytes = Buffer.from('data: héllo\ndata: wörld\n\n', 'utf8');
    const events = [...parser.push(bytes.subarray(0, 9)), ...parser.push(bytes.subarray(9))];
    expect(events).toEqual(['héllo\nwörld']);
  });

  it('keeps a final event that has no blank line after it', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"stop":true}')).toEqual([]);
    expect(parser.flush()).toEqual(['{"stop":true}']);
  });
});
