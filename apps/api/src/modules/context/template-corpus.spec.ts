import nunjucks from 'nunjucks';
import { TemplateEngine } from './template-interpreter';
import { buildTemplateVariables } from './template-variables';

// Stock Nunjucks is the oracle here, on safe input only: the interpreter must render real
// persona templates exactly as Nunjucks (autoescape off) does.
const stock = new nunjucks.Environment(null, { autoescape: false });
const engine = new TemplateEngine();

const now = new Date('2026-03-01T09:30:00Z');
const minutes = (count: number) => new Date(now.getTime() - count * 60_000);

const users = [
  buildTemplateVariables({
    userId: 'u-1',
    message: 'Can you help me plan a stargazing night?',
    memory: {
      name: 'Alex',
      favorite_topic: 'astronomy',
      timezone: 'Europe/Berlin',
      goals: ['see Saturn', 'learn constellations', 'buy a tripod'],
      prefs: { tone: 'warm', verbosity: 2, emoji: false },
      visits: 7,
      __internal: 'hidden',
    },
    history: [
      { role: 'user', content: 'I finally saw Saturn!', created_at: minutes(5) },
      { role: 'assistant', content: 'Wonderful! Could you see the rings?', created_at: minutes(4) },
      { role: 'user', content: 'Yes <clearly> & "sharp".', created_at: minutes(3) },
      { role: 'system', content: 'Operator note: be brief.', created_at: minutes(2) },
    ],
    userMode: 'active',
    now,
  }),
  buildTemplateVariables({
    userId: 'guest-42',
    message: '',
    memory: {},
    history: [],
    userMode: 'learning',
    now,
  }),
  buildTemplateVariables({
    userId: 'u-3',
    message: 'hello   world  ',
    memory: { name: "sam o'neil", visits: 1, goals: [], prefs: { tone: 'formal' }, score: 3.14159 },
    history: [{ role: 'user', content: 'first', created_at: minutes(1) }],
    userMode: 'paused',
    now,
  }),
];

const corpus: Array<[string, string]> = [
  [
    'a classic persona',
    `You are a friendly assistant{% if name %} talking to {{ name | title }}{% endif %}.
Current time: {{ now }}. Mode: {{ user_mode | upper }}.
{% if user_context %}What you know about the user:
{{ user_context }}
{% endif %}
{%- if conversation_history %}
Recent conversation:
{{ conversation_history }}
{%- else %}
This is the start of the conversation.
{%- endif %}
The user says: "{{ message | trim }}"`,
  ],
  [
    'history loop with loop variables',
    `{% for m in history -%}
{{ loop.index }}/{{ loop.length }} [{{ m.role | capitalize }}] {{ m.content | truncate(20) }}{% if loop.first %} (first){% endif %}{% if loop.last %} (last){% endif %} rev={{ loop.revindex }},{{ loop.revindex0 }},{{ loop.index0 }}
{% else -%}
No history yet.
{% endfor -%}`,
  ],
  [
    'dict iteration, dictsort and dump',
    `Memory:
{% for key, value in memory -%}
- {{ key }}: {{ value }}
{% endfor -%}
{% for pair in memory | dictsort %}{{ pair[0] }};{% endfor %}
{{ memory.prefs | dump }} {{ memory.prefs | dump(2) }} {{ memory.goals | dump }}
{% for k, v in (memory.prefs or {}) | dictsort(false, "key") %}{{ k }}={{ v }} {% endfor %}`,
  ],
  [
    'macros with defaults, keywords and caller',
    `{% macro bullet(text, marker="-", indent=0) -%}
{{ " " * indent }}{{ marker }} {{ text }}
{%- endmacro %}
{% macro section(title, level=1) -%}
{{ "#" if level == 1 else "##" }} {{ title }}
{{ caller() }}
{%- endmacro -%}
{% call section("Goals", level=2) -%}
{% for g in goals or [] %}{{ bullet(g, marker="*") }}
{% endfor %}
{%- endcall %}
{{ bullet("plain") }}|{{ bullet("kw", indent=2) }}|{{ bullet("pos", "+") }}`,
  ],
  [
    'set, capture blocks and scoping',
    `{% set greeting = "Hello" %}{% set count = 0 %}
{%- for g in goals or [] %}{% set count = count + 1 %}{% set inner = g %}{% endfor -%}
{{ greeting }} {{ count }} [{{ inner }}]
{% set block -%}
  Name: {{ name | default("friend") }}
  Visits: {{ visits | default(0) }}
{%- endset %}{{ block | indent(4) }}
{% set a, b = "same" %}{{ a }}={{ b }}`,
  ],
  [
    'filters on text',
    `{{ name | default("there") | upper }} {{ name | default("x") | lower | replace("a", "4") }}
{{ message | wordcount }} {{ message | length }} {{ message | title }} {{ "a-b-c" | replace("-", "+", 1) }}
{{ message | center(40) }}|{{ "long text here" | truncate(9, true) }}|{{ "long text here" | truncate(9, false, "…") }}
{{ "x<y & \\"z\\"" | escape }} {{ "x<y" | safe }} {{ "line1\\nline2" | nl2br }}
{{ "hello world" | urlencode }} {{ {"a": 1, "b": "x y"} | urlencode }} {{ user_id | reverse }} {{ "  pad  " | trim }}.`,
  ],
  [
    "JavaScript's string and list methods that Nunjucks templates use",
    `{{ now.slice(0, 4) }} {{ now.slice(-1) }} {{ user_id.substring(1) }} {{ user_id.substring(1, 2) }} {{ "abc".indexOf("c") }}
{{ history.slice(-2) | length }} {{ history.slice(1, 2) | length }} {{ [1, 2, 3].join("-") }} {{ [1, none, 3].join() }}
{{ message.toUpperCase() }} {{ message.toLowerCase() }} [{{ message.trim() }}] {{ message.startsWith("Can") }} {{ message.includes("help") }}`,
  ],
  [
    'filters on lists and numbers',
    `{{ goals | default([]) | join(", ") }} {{ goals | default([]) | length }} {{ (goals or ["?"]) | first }} {{ (goals or ["?"]) | last }}
{{ [3, 1, 2] | sort | join }} {{ [3, 1, 2] | sort(true) | join }} {{ ["b", "A", "c"] | sort | join }} {{ ["b", "A", "c"] | sort(false, true) | join }}
{{ history | selectattr("content") | length }} {{ history | rejectattr("nothing") | length }}
{% for row in [1, 2, 3, 4, 5] | batch(2, 0) %}[{{ row | join(",") }}]{% endfor %} {% for col in [1, 2, 3, 4, 5] | slice(2) %}[{{ col | join(",") }}]{% endfor %}
{{ [1, 2, 3] | sum }} {{ history | sum("nothing", 10) }} {{ 3.14159 | round(2) }} {{ 2.5 | round }} {{ 2.4 | round(0, "ceil") }} {{ -3 | abs }}
{{ "42" | int + 1 }} {{ "3.5" | float * 2 }} {{ "x" | int(7) }} {{ [1, 2, 3, 4] | select("odd") | join }} {{ [1, 2, 3, 4] | reject("even") | join }}
{% for group, items in history | groupby("role") %}{{ group }}:{{ items | length }} {% endfor %}
{{ "abc" | list | join("-") }} {% for e in {"k": 1} | list %}{{ e.key }}{{ e.value }}{% endfor %} {{ [1, [2, 3]] }} {{ {"a": 1} }}`,
  ],
  [
    'tests, comparisons and operators',
    `{% if visits is defined and visits is number %}{{ visits }} visits{% endif %}
{{ missing is undefined }} {{ none is none }} {{ 4 is divisibleby(2) }} {{ 3 is odd }} {{ 3 is even }} {{ name is string }}
{{ "ABC" is upper }} {{ "abc" is lower }} {{ 1 is equalto(1) }} {{ history is iterable }} {{ prefs is mapping }} {{ "" is falsy }} {{ 1 is truthy }}
{{ 1 < 2 }} {{ 2 <= 1 }} {{ 1 == "1" }} {{ 1 === 1 }} {{ 1 != 2 }} {{ 3 > 2 > 1 }} {{ "a" < "b" }}
{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ -visits if visits }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ "a" + 1 }} {{ "n" ~ 1 ~ none ~ missing }}
{{ "tro" in "astronomy" }} {{ 2 in [1, 2] }} {{ "tone" in (prefs or {}) }} {{ not name }} {{ name and "yes" }} {{ name or "no" }}
{{ "yes" if visits > 5 else "no" }} {{ "only" if false }}|{{ user_mode == "active" and "on" or "off" }}`,
  ],
  [
    'globals: range, cycler, joiner',
    `{% for i in range(3) %}{{ i }}{% endfor %} {{ range(1, 10, 3) | join(",") }} {{ range(5, 0, -2) | join(",") }}
{% set row = cycler("odd", "even") %}{% for m in history %}{{ row.next() }} {% endfor %}{{ row.current }}
{% set comma = joiner(", ") %}{% for g in goals or [] %}{{ comma() }}{{ g }}{% endfor %}`,
  ],
  [
    'whitespace control, raw and comments',
    `{# a comment that renders nothing #}
  {%- if true %}
    trimmed left
  {%- endif %}
{% raw %}{{ not rendered }} {% if %}{% endraw %}
{% verbatim %}{{ also raw }}{% endverbatim %}
  {{- " tight " -}}
  end
{%- for i in [1, 2] -%}
  [{{ i }}]
{%- endfor -%}`,
  ],
  [
    'filter blocks, switch and nested if/elif',
    `{% filter upper %}shouting {{ name | default("you") }}{% endfilter %}
{% filter replace("a", "o") %}banana{% endfilter %}
{% switch user_mode %}{% case "active" %}ACTIVE{% case "paused" %}{% case "learning" %}NOT ACTIVE{% default %}UNKNOWN{% endswitch %}
{% if visits > 5 %}regular{% elif visits > 1 %}returning{% elseif visits == 1 %}new{% else %}unknown{% endif %}`,
  ],
  [
    'a long persona with everything',
    `{%- set persona = "Nova" -%}
{%- macro line(role, content) -%}
{{ role | upper }}: {{ content | replace("\\n", " ") | truncate(60) }}
{%- endmacro -%}
You are {{ persona }}, a{{ "n" if (favorite_topic or "x")[0] in "aeiou" }} {{ favorite_topic | default("general") }} tutor.
{% if prefs and prefs.tone == "warm" %}Be warm and encouraging.{% elif prefs %}Be {{ prefs.tone }}.{% else %}Be neutral.{% endif %}
{% if goals %}The user's goals ({{ goals | length }}):
{% for goal in goals %}  {{ loop.index }}. {{ goal | capitalize }}{{ ";" if not loop.last else "." }}
{% endfor %}{% endif -%}
{% if history | length > 0 %}
Last messages:
{% for m in history | reverse %}{% if loop.index <= 3 %}{{ line(m.role, m.content) }}
{% endif %}{% endfor %}{% endif -%}
Time zone: {{ timezone | default("UTC") }}; user id {{ user_id }}; {{ memory | length }} memory keys.`,
  ],
];

describe('template corpus: the interpreter renders as stock Nunjucks does', () => {
  it.each(corpus)('%s', (_name, source) => {
    for (const variables of users) {
      const expected = stock.renderString(source, { ...variables });
      expect(expected.trim()).not.toBe('');
      expect(engine.render(source, variables)).toBe(expected);
    }
  });
});
