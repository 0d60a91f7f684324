import { parseTemplateError, TemplateRenderError } from './template-error';

describe('parseTemplateError', () => {
  it('reads the 1-based position of a compile error', () => {
    const error = new Error('(unknown path) [Line 3, Column 5]\n  unexpected token: }}');
    expect(parseTemplateError(error, 'compile').toProblem()).toEqual({
      kind: 'syntax',
      reason: 'unexpected token: }}',
      line: 3,
      column: 5,
    });
  });

  it('shifts the 0-based position of a render error and drops the "Error:" prefix', () => {
    const error = new Error(
      '(unknown path) [Line 1, Column 8]\n  Error: Unable to call `x["y"]`, which is undefined or falsey',
    );
    expect(parseTemplateError(error, 'render').toProblem()).toEqual({
      kind: 'render',
      reason: 'Unable to call `x["y"]`, which is undefined or falsey',
      line: 2,
      column: 9,
    });
  });

  it('handles a line without a column and nested error headers', () => {
    expect(
      parseTemplateError(
        new Error('(unknown path) [Line 4]\n  unknown block tag: endfor'),
        'compile',
      ).toProblem(),
    ).toMatchObject({ line: 4, column: null, reason: 'unknown block tag: endfor' });
    const nested = new Error(
      '(unknown path)\n  Template render error: (unknown path)\n  Error: template not found: a.njk',
    );
    expect(parseTemplateError(nested, 'render').toProblem()).toEqual({
      kind: 'render',
      reason: 'template not found: a.njk',
      line: null,
      column: null,
    });
  });

  it('uses the position fields of a parser error', () => {
    const error = Object.assign(new Error('expected variable end'), { lineno: 2, colno: 9 });
    expect(parseTemplateError(error, 'compile').toProblem()).toMatchObject({ line: 2, column: 9 });
  });

  it('points at the end of the source when the parser ran out of input', () => {
    const error = new Error('(unknown path)\n  unexpected end of file');
    expect(parseTemplateError(error, 'compile', 'a\n{% for x in y %}').toProblem()).toEqual({
      kind: 'syntax',
      reason: 'unexpected end of file',
      line: 2,
      column: 17,
    });
  });

  it('keeps a message without a header and passes TemplateRenderErrors through', () => {
    expect(parseTemplateError('boom', 'render').toProblem()).toEqual({
      kind: 'render',
      reason: 'boom',
      line: null,
      column: null,
    });
    const original = new TemplateRenderError({
      kind: 'budget',
      budget: 'steps',
      reason: 'slow',
      line: null,
      column: null,
    });
    expect(parseTemplateError(original, 'render')).toBe(original);
    expect(
      new TemplateRenderError({ kind: 'syntax', reason: 'bad', line: 2, column: 3 }).message,
    ).toBe('bad (line 2, column 3)');
  });
});
