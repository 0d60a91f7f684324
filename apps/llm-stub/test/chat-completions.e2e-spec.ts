import { chatBody, chatStreamText, post, send, sseData, sseJson, useStub } from './stub-harness';

describe('POST /v1/chat/completions', () => {
  const stub = useStub();
  const chat = (body: unknown) => post(stub(), '/v1/chat/completions', body);

  it('answers with an echo of the last user message in OpenAI format', async () => {
    const result = await chat(chatBody('hello there'));
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json');
    expect(result.json).toEqual({
      id: expect.stringMatching(/^chatcmpl-stub-\d+$/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gpt-test',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Echo: hello there' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      // 23 + 11 characters of content: ceil(34 / 4) = 9; "Echo:", " hello", " there".
      usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
    });
  });

  it('uses the last user message even when others follow it, and text content parts', async () => {
    const result = await chat({
      messages: [
        { role: 'user', content: 'old question' },
        { role: 'assistant', content: 'old answer' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'new ' },
            { type: 'text', text: 'one' },
          ],
        },
        { role: 'system', content: 'Operator note' },
      ],
    });
    expect(result.json.choices[0].message.content).toBe('Echo: new one');
  });

  it('streams the same reply as OpenAI chunks, with usage, then [DONE]', async () => {
    const whole = (await chat(chatBody('stream me please'))).json;
    const result = await chat(chatBody('stream me please', { stream: true }));
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/event-stream');

    const events = sseData(result.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = sseJson(result.text);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: expect.stringMatching(/^chatcmpl-stub-\d+$/),
        object: 'chat.completion.chunk',
        created: expect.any(Number),
        model: 'gpt-test',
      });
    }
    expect(chunks[0]?.choices).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
    ]);
    expect(chunks.at(-2)?.choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
    ]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage });
    const tokenChunks = chunks.slice(1, -2);
    expect(tokenChunks).toHaveLength(whole.usage.completion_tokens);
    expect(chatStreamText(result.text)).toBe(whole.choices[0].message.content);
  });

  it('cuts the reply at max_tokens with finish_reason length, streaming or not', async () => {
    const result = await chat(chatBody('one two three four', { max_tokens: 3 }));
    expect(result.json.choices[0]).toMatchObject({
      message: { content: 'Echo: one two' },
      finish_reason: 'length',
    });
    expect(result.json.usage.completion_tokens).toBe(3);

    const streamed = await chat(chatBody('one two three four', { max_tokens: 3, stream: true }));
    expect(chatStreamText(streamed.text)).toBe('Echo: one two');
    const finish = sseJson(streamed.text)
      .map((chunk) => chunk.choices[0]?.finish_reason as unknown)
      .filter(Boolean);
    expect(finish).toEqual(['length']);
  });

  it('honours max_completion_tokens too', async () => {
    const result = await chat(chatBody('one two three', { max_completion_tokens: 1 }));
    expect(result.json.choices[0].message.content).toBe('Echo:');
  });

  it('uses the prefix and token count set through the control endpoint', async () => {
    await post(stub(), '/_stub/control', { reply_prefix: 'Bot: ', reply_tokens: 6 });
    const result = await chat(chatBody('hi'));
    expect(result.json.choices[0].message.content).toBe('Bot: hi Bot: hi Bot: hi');
    expect(result.json.usage.completion_tokens).toBe(6);
  });

  it.each([
    ['bad JSON', '{"messages": [', 'The request body is not valid JSON.', null, 'invalid_json'],
    [
      'no messages',
      { model: 'x' },
      "Missing required parameter: 'messages'.",
      'messages',
      'missing_required_parameter',
    ],
    [
      'empty messages',
      { messages: [] },
      "Invalid 'messages': empty array. Expected an array with minimum length 1.",
      'messages',
      'empty_array',
    ],
    [
      'messages not an array',
      { messages: 'hi' },
      "Invalid type for 'messages': expected an array.",
      'messages',
      'invalid_type',
    ],
    [
      'a message without a role',
      { messages: [{ content: 'hi' }] },
      "Invalid 'messages[0]': expected an object with a string 'role' and text 'content'.",
      'messages[0]',
      'invalid_value',
    ],
    [
      'max_tokens of zero',
      chatBody('hi', { max_tokens: 0 }),
      "Invalid 'max_tokens': expected an integer of at least 1.",
      'max_tokens',
      'invalid_value',
    ],
    [
      'stream not a boolean',
      chatBody('hi', { stream: 'yes' }),
      "Invalid type for 'stream': expected a boolean.",
      'stream',
      'invalid_type',
    ],
  ])('answers 400 in the OpenAI error shape for %s', async (_case, body, message, param, code) => {
    const result = await send(stub(), 'POST', '/v1/chat/completions', body);
    expect(result.status).toBe(400);
    expect(result.json).toEqual({
      error: { message, type: 'invalid_request_error', param, code },
    });
    const [recorded] = stub().control.requests();
    expect(recorded?.outcome).toBe('failed:invalid_request');
  });
});
