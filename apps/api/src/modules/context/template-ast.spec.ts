import { referencedVariables, templateUsesHistory } from './template-ast';
import { TemplateRenderError } from './template-error';

describe('template AST helpers', () => {
  it('lists the variables a template reads, not the ones it declares', () => {
    const source = [
      'Hi {{ name }} ({{ user.profile.city }}) {{ memory["likes"] }}',
      '{% set greeting = "hey" %}{{ greeting }}',
      '{% for item in items %}{{ item }}{{ loop.index }}{% endfor %}',
      '{% for key, value in settings %}{{ key }}{% endfor %}',
      '{% if mode == user_mode %}x{% endif %}',
      '{% if count is divisibleby(step) and title is defined %}x{% endif %}',
      '{% macro m(who, punct=default_punct) %}{{ who }}{% endmacro %}{{ m(nickname) }}',
      '{{ {label: title} | dump }} {{ message | truncate(limit) }}',
    ].join('\n');
    expect(referencedVariables(source)).toEqual([
      'name',
      'user',
      'memory',
      'greeting',
      'items',
      'item',
      'loop',
      'settings',
      'key',
      'mode',
      'user_mode',
      'count',
      'step',
      'title',
      'default_punct',
      'who',
      'm',
      'nickname',
      'message',
      'limit',
    ]);
  });

  it.each([
    ['{{ conversation_history }}', true],
    ['{% for m in history %}{{ m.role }}: {{ m.content }}{% endfor %}', true],
    ['{% if history | length > 0 %}earlier: {{ history[0].content }}{% endif %}', true],
    ['{% if x == conversation_history %}{% endif %}', true],
    ['{{ memory.history }} and the word history and {{ "conversation_history" }}', false],
    ['{# {{ conversation_history }} #}{% raw %}{{ history }}{% endraw %}', false],
    ['{% set history = "none" %}', false],
    ['{{ broken', false],
  ])('templateUsesHistory(%j) is %s', (source, expected) => {
    expect(templateUsesHistory(source)).toBe(expected);
  });

  it('throws syntax errors with their position', () => {
    expect(() => referencedVariables('a\n{{ x | }}')).toThrow(TemplateRenderError);
    try {
      referencedVariables('a\n{{ x | }}');
    } catch (error) {
      expect((error as TemplateRenderError).toProblem()).toMatchObject({ line: 2, column: 8 });
    }
  });
});
