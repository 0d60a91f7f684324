import { llamaCppProtocol, openAiProtocol, ProtocolError, transcriptOf } from './llm-protocol';
import { ChatMessage } from './llm.types';

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are Luna.' },
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: 'hello!' },
  { role: 'user', content: 'how are you?' },
];

describe('OpenAI protocol', () => {
  it('sends the messages with only the parameters that are set', () => {
    expect(
      openAiProtocol.body(messages, { temperature: 0.2, stop: ['\n'] }, 'default', true),
    ).toEqual({
      model: 'default',
      messages,
      temperature: 0.2,
      stop: ['\n'],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(openAiProtocol.body(messages, { model: 'qwen' }, 'default', false)).toEqual({
      model: 'qwen',
      messages,
      stream: false,
    });
  });

  it('parses a completion with usage', () => {
    const parsed = openAiProtocol.parseCompletion({
      model: 'm',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
    });
    expect(parsed).toEqual({
      content: 'Hi',
      finishReason: 'length',
      model: 'm',
      usage: { promptTokens: 12, completionTokens: 1 },
    });
  });

  it.each([
    ['not json'],
    [{}],
    [{ choices: [] }],
    [{ choices: [{ message: { content: 3 } }] }],
    [{ error: { message: 'boom' } }],
  ])('rejects an invalid completion %j', (body) => {
    expect(() => openAiProtocol.parseCompletion(body)).toThrow(ProtocolError);
  });

  it('parses stream chunks, usage, [DONE] and error events', () => {
    expect(
      openAiProtocol.parseStreamEvent(
        '{"choices":[{"delta":{"content":"He"},"finish_reason":null}]}',
      ),
    ).toMatchObject({
      delta: 'He',
      end: false,
    });
    expect(
      openAiProtocol.parseStreamEvent(
        '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}',
      ).usage,
    ).toEqual({
      promptTokens: 3,
      completionTokens: 2,
    });
    expect(openAiProtocol.parseStreamEvent('[DONE]')).toEqual({ delta: '', end: true });
    expect(openAiProtocol.parseStreamEvent('{"error":{"message":"overloaded"}}')).toEqual({
      delta: '',
      end: true,
      error: 'overloaded',
    });
    expect(() => openAiProtocol.parseStreamEvent('{"choices": [')).toThrow(ProtocolError);
  });
});

describe('llama.cpp protocol', () => {
  it('lays the chat out as a transcript ending with the assistant cue', () => {
    expect(transcriptOf(messages)).toBe(
      'You are Luna.\n\nUser: hi\nAssistant: hello!\nUser: how are you?\nAssistant:',
    );
  });

  it('maps parameters to llama.cpp names and always stops before a new user turn', () => {
    expect(
      llamaCppProtocol.body(
        messages,
        { max_tokens: 64, temperature: 0.7, stop: '###' },
        'default',
        false,
      ),
    ).toMatchObject({
      n_predict: 64,
      temperature: 0.7,
      stop: ['###', '\nUser:'],
      stream: false,
    });
  });

  it('parses completions and streamed chunks', () => {
    expect(
      llamaCppProtocol.parseCompletion({
        content: 'ok',
        tokens_evaluated: 9,
        tokens_predicted: 1,
        stop: true,
      }),
    ).toEqual({
      content: 'ok',
      finishReason: 'stop',
      model: undefined,
      usage: { promptTokens: 9, completionTokens: 1 },
    });
    expect(llamaCppProtocol.parseStreamEvent('{"content":"o","stop":false}')).toMatchObject({
      delta: 'o',
      end: false,
    });
    expect(
      llamaCppProtocol.parseStreamEvent(
        '{"content":"","stop":true,"tokens_predicted":2,"tokens_evaluated":5}',
      ),
    ).toMatchObject({
      end: true,
      usage: { promptTokens: 5, completionTokens: 2 },
    });
  });
});
