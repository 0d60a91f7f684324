import { completionBody, post, send, sseJson, useStub } from './stub-harness';

describe('POST /completion (llama.cpp)', () => {
  const stub = useStub();
  const complete = (body: unknown) => post(stub(), '/completion', body);

  it('answers with an echo of the last user turn in llama.cpp format', async () => {
    const result = await complete(completionBody('tell me a joke'));
    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      content: 'Echo: tell me a joke',
      id_slot: 0,
      stop: true,
      model: 'promptdev-stub',
      tokens_predicted: 5,
      // "You are a test persona.\nUser: tell me a joke\nAssistant:" is 55 characters.
      tokens_evaluated: 14,
      truncated: false,
      stop_type: 'eos',
      stopped_eos: true,
      stopped_limit: false,
      stopped_word: false,
      stopping_word: '',
      timings: {
        prompt_n: 14,
        prompt_ms: 0,
        prompt_per_token_ms: 0,
        prompt_per_second: 0,
        predicted_n: 5,
        predicted_ms: 0,
        predicted_per_token_ms: 0,
        predicted_per_second: 0,
      },
    });
  });

  it('echoes the last line of a prompt without a User: marker', async () => {
    const result = await complete({ prompt: 'Be brief.\nWhat is two plus two?\n' });
    expect(result.json.content).toBe('Echo: What is two plus two?');
  });

  it('streams content events then a final stop event; the contents join to the reply', async () => {
    const whole = (await complete(completionBody('stream this one'))).json;
    const result = await complete(completionBody('stream this one', { stream: true }));
    expect(result.headers.get('content-type')).toBe('text/event-stream');
    const events = sseJson(result.text);
    const final = events.at(-1);
    const tokens = events.slice(0, -1);
    expect(tokens).toHaveLength(whole.tokens_predicted);
    for (const event of tokens) expect(event).toEqual({ content: expect.any(String), stop: false });
    expect(tokens.map((event) => event.content as string).join('')).toBe(whole.content);
    expect(final).toEqual({ ...whole, content: '' });
  });

  it('cuts the reply at n_predict and reports the limit', async () => {
    const result = await complete(completionBody('one two three', { n_predict: 2 }));
    expect(result.json).toMatchObject({
      content: 'Echo: one',
      tokens_predicted: 2,
      stop_type: 'limit',
      stopped_limit: true,
      stopped_eos: false,
    });
    const streamed = await complete(
      completionBody('one two three', { n_predict: 2, stream: true }),
    );
    const events = sseJson(streamed.text);
    expect(events.map((event) => event.content as string).join('')).toBe('Echo: one');
    expect(events.at(-1)).toMatchObject({ stop: true, stop_type: 'limit' });
  });

  it('treats a negative n_predict as no limit', async () => {
    const result = await complete(completionBody('one two three', { n_predict: -1 }));
    expect(result.json.content).toBe('Echo: one two three');
  });

  it('reports simulated timings from the configured latencies', async () => {
    await post(stub(), '/_stub/control', { latency_ms: 20, token_latency_ms: 5 });
    const result = await complete(completionBody('a b'));
    expect(result.json.timings).toMatchObject({
      prompt_ms: 20,
      predicted_n: 3,
      predicted_ms: 15,
      predicted_per_token_ms: 5,
      predicted_per_second: 200,
    });
  });

  it.each([
    ['bad JSON', '{"prompt": ', 'The request body is not valid JSON.'],
    ['no prompt', { n_predict: 4 }, '"prompt" must be a string'],
    ['a fractional n_predict', { prompt: 'hi', n_predict: 1.5 }, '"n_predict" must be an integer'],
  ])('answers 400 in the llama.cpp error shape for %s', async (_case, body, message) => {
    const result = await send(stub(), 'POST', '/completion', body);
    expect(result.status).toBe(400);
    expect(result.json).toEqual({ error: { code: 400, message, type: 'invalid_request_error' } });
  });
});
