/**
 * Incremental Server-Sent Events parser: feed it chunks as they arrive, get back the `data`
 * payload of every complete event. Comments and other fields are ignored.
 */
export class SseParser {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array | string): string[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: string[] = [];
    let boundary = this.nextBoundary();
    while (boundary) {
      const raw = this.buffer.slice(0, boundary.index);
      this.buffer = this.buffer.slice(boundary.index + boundary.length);
      const data = dataOf(raw);
      if (data !== undefined) events.push(data);
      boundary = this.nextBoundary();
    }
    return events;
  }

  /** Whatever is left when the stream ends (a final event without a blank line after it). */
  flush(): string[] {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    const data = dataOf(rest);
    return data === undefined ? [] : [data];
  }

  private nextBoundary(): { index: number; length: number } | undefined {
    const match = /\r?\n\r?\n/.exec(this.buffer);
    return match ? { index: match.index, length: match[0].length } : undefined;
  }
}

function dataOf(rawEvent: string): string | undefined {
  const lines = rawEvent.split(/\r?\n/).filter((line) => line.startsWith('data:'));
  if (lines.length === 0) return undefined;
  return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}
