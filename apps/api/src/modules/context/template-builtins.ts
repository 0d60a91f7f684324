import {
  Cycler,
  Dict,
  dictKeys,
  isCallable,
  isDict,
  isList,
  isText,
  Joiner,
  Markup,
  Meter,
  newDict,
  ownValue,
  renderError,
  toJsString,
  toJson,
  toNumber,
  truthy,
  unwrap,
  Value,
  BLOCKED_MEMBERS,
  compare,
  add,
} from './template-values';

/** A builtin: its parameter names (keyword arguments are matched to them) and its code. */
export interface Builtin {
  params: readonly string[];
  run(meter: Meter, args: Value[]): Value;
}

const builtin = (params: readonly string[], run: Builtin['run']): Builtin => ({ params, run });

/** Nunjucks' `normalize(value, '')` followed by treating the value as text. */
function text(value: Value, meter: Meter): string {
  if (value === null || value === undefined || value === false) return '';
  return toJsString(value, meter);
}

const keepMarkup = (original: Value, result: string): Value =>
  original instanceof Markup ? new Markup(result) : result;

/** Reads `a.b.c` of a value as the sort/groupby/join attribute helpers do: own data only. */
export function memberOf(target: Value, key: Value, meter: Meter): Value {
  meter.step();
  if (target === undefined || target === null) return undefined;
  let name: string;
  if (typeof key === 'string') name = key;
  else if (key instanceof Markup) name = key.value;
  else if (typeof key === 'number') name = String(key);
  else if (typeof key === 'boolean') name = String(key);
  else return undefined;
  if (BLOCKED_MEMBERS.has(name)) return undefined;
  if (isText(target)) {
    const string = unwrap(target) as string;
    if (name === 'length') return string.length;
    return /^(0|[1-9]\d*)$/.test(name) ? string[Number(name)] : undefined;
  }
  if (isList(target)) {
    if (name === 'length') return target.length;
    return /^(0|[1-9]\d*)$/.test(name) ? target[Number(name)] : undefined;
  }
  if (target instanceof Cycler) return name === 'current' ? target.current : undefined;
  if (isDict(target)) return ownValue(target, name);
  return undefined;
}

function attributeGetter(attribute: Value, meter: Meter): (item: Value) => Value {
  const parts = typeof attribute === 'number' ? [attribute] : text(attribute, meter).split('.');
  return (item) => {
    let current = item;
    for (const part of parts) {
      if (current === undefined || current === null) return undefined;
      current = memberOf(current, part, meter);
    }
    return current;
  };
}

function asList(value: Value, filter: string, meter: Meter): Value[] {
  if (isList(value)) return value;
  if (isText(value)) {
    const string = unwrap(value) as string;
    meter.list(string.length);
    return string.split('');
  }
  throw renderError(`${filter} filter: the value is not a list`, meter);
}

function listToStrings(items: Value[], separator: string, meter: Meter): string {
  meter.step(items.length);
  let length = 0;
  const parts: string[] = [];
  for (const item of items) {
    const part = item === undefined || item === null ? '' : toJsString(item, meter);
    length += part.length + (parts.length > 0 ? separator.length : 0);
    meter.fits(length);
    meter.work(part.length + separator.length);
    parts.push(part);
  }
  return parts.join(separator);
}

/** Replaces every (or the first `maxCount`) `old` in `string`, measuring the result first. */
export function replaceText(
  string: string,
  old: string,
  replacement: string,
  maxCount: number,
  meter: Meter,
): string {
  meter.work(string.length);
  if (old === '') {
    const slots = maxCount < 0 ? string.length + 1 : Math.min(maxCount, string.length + 1);
    meter.string(string.length + slots * replacement.length);
    const characters = string.split('');
    let result = '';
    for (let index = 0; index <= characters.length; index += 1) {
      if (index < slots) result += replacement;
      if (index < characters.length) result += characters[index];
    }
    return result;
  }
  let count = 0;
  for (
    let at = string.indexOf(old);
    at !== -1 && (maxCount < 0 || count < maxCount);
    at = string.indexOf(old, at + old.length)
  ) {
    count += 1;
  }
  meter.string(string.length + count * (replacement.length - old.length));
  if (count === 0) return string;
  let result = '';
  let position = 0;
  for (let done = 0; done < count; done += 1) {
    const at = string.indexOf(old, position);
    result += string.substring(position, at) + replacement;
    position = at + old.length;
  }
  return result + string.substring(position);
}

function repeatSpaces(count: number, meter: Meter): string {
  const spaces = Math.max(0, Math.ceil(count));
  meter.string(spaces);
  return ' '.repeat(spaces);
}

function sortKey(value: Value, caseSensitive: boolean): Value {
  const plain = unwrap(value);
  return !caseSensitive && typeof plain === 'string' ? plain.toLowerCase() : plain;
}

function stableSort(items: Value[], order: (a: Value, b: Value) => number, meter: Meter): Value[] {
  meter.step(Math.ceil(items.length * Math.log2(items.length + 1)));
  return [...items].sort(order);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#39;',
  '<': '&lt;',
  '>': '&gt;',
};

function escapeHtml(value: string, meter: Meter): string {
  let extra = 0;
  for (const character of value) if (character in ESCAPES) extra += ESCAPES[character]!.length - 1;
  meter.string(value.length + extra);
  return value.replace(/[&"'<>]/g, (character) => ESCAPES[character]!);
}

/** The tests of `is` and of select/reject, by name (Nunjucks' own, no `callable` of JS). */
export const TESTS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['callable', builtin(['value'], (_m, [value]) => isCallable(value))],
  ['defined', builtin(['value'], (_m, [value]) => value !== undefined)],
  [
    'divisibleby',
    builtin(['value', 'num'], (m, [value, num]) => toNumber(value, m) % toNumber(num, m) === 0),
  ],
  ['escaped', builtin(['value'], (_m, [value]) => value instanceof Markup)],
  ['equalto', builtin(['value', 'other'], (_m, [value, other]) => value === other)],
  ['eq', builtin(['value', 'other'], (_m, [value, other]) => value === other)],
  ['sameas', builtin(['value', 'other'], (_m, [value, other]) => value === other)],
  ['even', builtin(['value'], (m, [value]) => toNumber(value, m) % 2 === 0)],
  ['falsy', builtin(['value'], (_m, [value]) => !truthy(value))],
  ['ge', builtin(['value', 'other'], (m, [value, other]) => compare('>=', value, other, m))],
  ['greaterthan', builtin(['value', 'other'], (m, [a, b]) => compare('>', a, b, m))],
  ['gt', builtin(['value', 'other'], (m, [a, b]) => compare('>', a, b, m))],
  ['le', builtin(['value', 'other'], (m, [a, b]) => compare('<=', a, b, m))],
  ['lessthan', builtin(['value', 'other'], (m, [a, b]) => compare('<', a, b, m))],
  ['lt', builtin(['value', 'other'], (m, [a, b]) => compare('<', a, b, m))],
  [
    'lower',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      return string.toLowerCase() === unwrap(value);
    }),
  ],
  ['ne', builtin(['value', 'other'], (_m, [value, other]) => value !== other)],
  ['null', builtin(['value'], (_m, [value]) => value === null)],
  ['number', builtin(['value'], (_m, [value]) => typeof value === 'number')],
  ['odd', builtin(['value'], (m, [value]) => toNumber(value, m) % 2 === 1)],
  ['string', builtin(['value'], (_m, [value]) => typeof value === 'string')],
  ['truthy', builtin(['value'], (_m, [value]) => truthy(value))],
  ['undefined', builtin(['value'], (_m, [value]) => value === undefined)],
  [
    'upper',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      return string.toUpperCase() === unwrap(value);
    }),
  ],
  ['iterable', builtin(['value'], (_m, [value]) => isList(value) || isText(value))],
  ['mapping', builtin(['value'], (_m, [value]) => isDict(value) || value instanceof Cycler)],
]);

function runTest(name: Value, value: Value, argument: Value, meter: Meter): boolean {
  const testName = name === undefined ? 'truthy' : text(name, meter);
  const test = TESTS.get(testName);
  if (!test) throw renderError(`test not found: ${testName}`, meter);
  return test.run(meter, [value, argument]) === true;
}

function selectOrReject(expected: boolean): Builtin {
  return builtin(['value', 'test', 'argument'], (m, [value, test, argument]) => {
    const items = asList(value, expected ? 'select' : 'reject', m);
    m.step(items.length);
    return items.filter((item) => runTest(test, item, argument, m) === expected);
  });
}

function selectAttribute(expected: boolean): Builtin {
  return builtin(['value', 'attribute'], (m, [value, attribute]) => {
    const items = asList(value, expected ? 'selectattr' : 'rejectattr', m);
    const get = attributeGetter(attribute, m);
    return items.filter((item) => truthy(get(item)) === expected);
  });
}

function defaultFilter(m: Meter, [value, fallback, boolean]: Value[]): Value {
  void m;
  if (truthy(boolean)) return truthy(value) ? value : fallback;
  return value !== undefined ? value : fallback;
}

function escapeFilter(m: Meter, [value]: Value[]): Value {
  if (value instanceof Markup) return value;
  return new Markup(
    escapeHtml(value === null || value === undefined ? '' : toJsString(value, m), m),
  );
}

function capitalize(value: string): string {
  const lower = value.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

function lengthOf(value: Value): number {
  if (value === null || value === undefined || value === false) return 0;
  if (isDict(value)) return dictKeys(value).length;
  if (isText(value)) return (unwrap(value) as string).length;
  if (isList(value)) return value.length;
  return 0;
}

function intOf(value: Value, fallback: Value, base: Value, m: Meter): Value {
  const radix = base === undefined ? 10 : toNumber(base, m);
  const parsed = parseInt(toJsString(value, m), radix);
  return Number.isNaN(parsed) ? fallback : parsed;
}

/** The filters (Nunjucks' builtins that make sense for text prompts), by name. */
export const FILTERS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['abs', builtin(['value'], (m, [value]) => Math.abs(toNumber(value, m)))],
  [
    'batch',
    builtin(['value', 'linecount', 'fill_with'], (m, [value, linecount, fillWith]) => {
      const items = asList(value, 'batch', m);
      const size = Math.floor(toNumber(linecount, m));
      if (!(size >= 1)) throw renderError('batch filter: the size must be at least 1', m);
      m.list(items.length);
      const rows: Value[][] = [];
      for (let index = 0; index < items.length; index += size) {
        rows.push(items.slice(index, index + size));
      }
      const lastRow = rows.at(-1);
      if (lastRow && truthy(fillWith)) {
        m.list(size);
        while (lastRow.length < size) lastRow.push(fillWith);
      }
      return rows;
    }),
  ],
  [
    'capitalize',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      return keepMarkup(value, capitalize(string));
    }),
  ],
  [
    'center',
    builtin(['value', 'width'], (m, [value, width]) => {
      const string = text(value, m);
      const size = truthy(width) ? toNumber(width, m) : 80;
      if (string.length >= size) return value === null || value === undefined ? '' : value;
      const spaces = size - string.length;
      const before = repeatSpaces(spaces / 2 - (spaces % 2), m);
      const after = repeatSpaces(spaces / 2, m);
      m.string(before.length + string.length + after.length);
      return keepMarkup(value, before + string + after);
    }),
  ],
  ['default', builtin(['value', 'default', 'boolean'], defaultFilter)],
  ['d', builtin(['value', 'default', 'boolean'], defaultFilter)],
  [
    'dictsort',
    builtin(['value', 'case_sensitive', 'by'], (m, [value, caseSensitive, by]) => {
      if (!isDict(value)) throw renderError('dictsort filter: val must be an object', m);
      let index: 0 | 1;
      if (by === undefined || by === 'key') index = 0;
      else if (by === 'value') index = 1;
      else throw renderError('dictsort filter: You can only sort by either key or value', m);
      const pairs: Value[][] = dictKeys(value).map((key) => [key, ownValue(value, key)]);
      const caseless = !truthy(caseSensitive);
      const keyOf = (pair: Value[]): Value => {
        const item = unwrap(pair[index]);
        return caseless && typeof item === 'string' ? item.toUpperCase() : item;
      };
      return stableSort(
        pairs,
        (a, b) => {
          const x = keyOf(a as Value[]);
          const y = keyOf(b as Value[]);
          return compare('>', x, y, m) ? 1 : x === y ? 0 : -1;
        },
        m,
      );
    }),
  ],
  [
    'dump',
    builtin(['value', 'spaces'], (m, [value, spaces]) => {
      let indent = '';
      if (typeof spaces === 'number') indent = ' '.repeat(Math.min(10, Math.max(0, spaces)));
      else if (typeof spaces === 'string') indent = spaces.slice(0, 10);
      return toJson(value, indent, m);
    }),
  ],
  ['escape', builtin(['value'], escapeFilter)],
  ['e', builtin(['value'], escapeFilter)],
  [
    'forceescape',
    builtin(
      ['value'],
      (m, [value]) =>
        new Markup(
          escapeHtml(value === null || value === undefined ? '' : toJsString(value, m), m),
        ),
    ),
  ],
  [
    'safe',
    builtin(['value'], (m, [value]) =>
      value instanceof Markup
        ? value
        : new Markup(value === null || value === undefined ? '' : toJsString(value, m)),
    ),
  ],
  ['first', builtin(['value'], (m, [value]) => memberOf(value, 0, m))],
  ['last', builtin(['value'], (m, [value]) => memberOf(value, lengthOf(value) - 1, m))],
  [
    'groupby',
    builtin(['value', 'attribute'], (m, [value, attribute]) => {
      const items = asList(value, 'groupby', m);
      const get = attributeGetter(attribute, m);
      const groups = newDict();
      for (const item of items) {
        const key = toJsString(get(item), m);
        const group = ownValue(groups, key);
        if (isList(group)) group.push(item);
        else groups[key] = [item];
      }
      return groups;
    }),
  ],
  [
    'indent',
    builtin(['value', 'width', 'indentfirst'], (m, [value, width, indentFirst]) => {
      const string = text(value, m);
      if (string === '') return '';
      const size = truthy(width) ? toNumber(width, m) : 4;
      const lines = string.split('\n');
      const spaces = repeatSpaces(size, m);
      m.string(string.length + lines.length * spaces.length);
      const result = lines
        .map((line, index) => (index === 0 && !truthy(indentFirst) ? line : spaces + line))
        .join('\n');
      return keepMarkup(value, result);
    }),
  ],
  [
    'int',
    builtin(['value', 'default', 'base'], (m, [value, fallback, base]) =>
      intOf(value, fallback, base, m),
    ),
  ],
  [
    'float',
    builtin(['value', 'default'], (m, [value, fallback]) => {
      const parsed = parseFloat(toJsString(value, m));
      return Number.isNaN(parsed) ? fallback : parsed;
    }),
  ],
  [
    'join',
    builtin(['value', 'separator', 'attribute'], (m, [value, separator, attribute]) => {
      let items = asList(value, 'join', m);
      if (truthy(attribute)) items = items.map(attributeGetter(attribute, m));
      return listToStrings(items, truthy(separator) ? toJsString(separator, m) : '', m);
    }),
  ],
  ['length', builtin(['value'], (_m, [value]) => lengthOf(value))],
  [
    'list',
    builtin(['value'], (m, [value]) => {
      if (isText(value)) return asList(value, 'list', m);
      if (isDict(value)) {
        const keys = dictKeys(value);
        m.list(keys.length);
        return keys.map((key) => {
          const entry = newDict();
          entry.key = key;
          entry.value = ownValue(value, key);
          return entry;
        });
      }
      if (isList(value)) return value;
      throw renderError('list filter: type not iterable', m);
    }),
  ],
  [
    'lower',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      return string.toLowerCase();
    }),
  ],
  [
    'upper',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      return string.toUpperCase();
    }),
  ],
  [
    'nl2br',
    builtin(['value'], (m, [value]) => {
      if (value === null || value === undefined) return '';
      const string = toJsString(value, m);
      const breaks = string.split('\n').length - 1;
      m.string(string.length + breaks * 6);
      return keepMarkup(value, string.replace(/\r\n|\n/g, '<br />\n'));
    }),
  ],
  ['reject', selectOrReject(false)],
  ['select', selectOrReject(true)],
  ['rejectattr', selectAttribute(false)],
  ['selectattr', selectAttribute(true)],
  [
    'replace',
    builtin(['value', 'old', 'new', 'count'], (m, [value, old, replacement, maxCount]) => {
      let from: string;
      if (typeof old === 'number') from = String(old);
      else if (typeof old === 'string') from = old;
      else return value;
      let string: string;
      if (typeof value === 'number') string = String(value);
      else if (isText(value)) string = unwrap(value) as string;
      else return value;
      const limit = maxCount === undefined ? -1 : toNumber(maxCount, m);
      if (limit === 0 || (from !== '' && !string.includes(from))) return value;
      const to = toJsString(replacement, m);
      return keepMarkup(value, replaceText(string, from, to, limit, m));
    }),
  ],
  [
    'reverse',
    builtin(['value'], (m, [value]) => {
      if (isText(value)) {
        const characters = asList(value, 'reverse', m) as string[];
        return keepMarkup(value, characters.reverse().join(''));
      }
      const items = asList(value, 'reverse', m);
      m.step(items.length);
      return [...items].reverse();
    }),
  ],
  [
    'round',
    builtin(['value', 'precision', 'method'], (m, [value, precision, method]) => {
      const digits = truthy(precision) ? toNumber(precision, m) : 0;
      const factor = Math.pow(10, digits);
      const rounder = method === 'ceil' ? Math.ceil : method === 'floor' ? Math.floor : Math.round;
      return rounder(toNumber(value, m) * factor) / factor;
    }),
  ],
  [
    'slice',
    builtin(['value', 'slices', 'fill_with'], (m, [value, slices, fillWith]) => {
      const items = asList(value, 'slice', m);
      const count = Math.floor(toNumber(slices, m));
      if (!(count >= 1))
        throw renderError('slice filter: the number of slices must be at least 1', m);
      m.list(count);
      const size = Math.floor(items.length / count);
      const extra = items.length % count;
      const result: Value[][] = [];
      let offset = 0;
      for (let index = 0; index < count; index += 1) {
        const start = offset + index * size;
        if (index < extra) offset += 1;
        const end = offset + (index + 1) * size;
        const part = items.slice(start, end);
        if (truthy(fillWith) && index >= extra) part.push(fillWith);
        result.push(part);
      }
      return result;
    }),
  ],
  [
    'sort',
    builtin(
      ['value', 'reverse', 'case_sensitive', 'attribute'],
      (m, [value, reversed, caseSensitive, attribute]) => {
        const items = asList(value, 'sort', m);
        const get = truthy(attribute) ? attributeGetter(attribute, m) : (item: Value) => item;
        const caseful = truthy(caseSensitive);
        const down = truthy(reversed);
        // Keys once per item (lower-casing a long string per comparison would be costly).
        const keys = items.map((item) => {
          const key = get(item);
          if (isText(key) && !caseful) m.work((unwrap(key) as string).length);
          return key;
        });
        const order = items.map((_item, index) => index);
        const bothText = (x: number, y: number) => isText(keys[x]) && isText(keys[y]);
        const lowered = keys.map((key) => (isText(key) ? sortKey(key, caseful) : key));
        const sorted = stableSort(
          order,
          (a, b) => {
            const x = bothText(a as number, b as number) ? lowered[a as number] : keys[a as number];
            const y = bothText(a as number, b as number) ? lowered[b as number] : keys[b as number];
            if (compare('<', x, y, m)) return down ? 1 : -1;
            if (compare('>', x, y, m)) return down ? -1 : 1;
            return 0;
          },
          m,
        );
        return sorted.map((index) => items[index as number]);
      },
    ),
  ],
  ['string', builtin(['value'], (_m, [value]) => value)],
  [
    'sum',
    builtin(['value', 'attribute', 'start'], (m, [value, attribute, start]) => {
      let items = asList(value, 'sum', m);
      if (truthy(attribute)) items = items.map(attributeGetter(attribute, m));
      let total: Value = 0;
      for (const item of items) total = add(total, item, m);
      return add(start === undefined ? 0 : start, total, m);
    }),
  ],
  [
    'title',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      return keepMarkup(value, string.split(' ').map(capitalize).join(' '));
    }),
  ],
  [
    'trim',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      m.work(string.length);
      // String.prototype.trim strips exactly what /^\s*|\s*$/ does, in linear time.
      return keepMarkup(value, string.trim());
    }),
  ],
  [
    'truncate',
    builtin(['value', 'length', 'killwords', 'end'], (m, [value, length, killwords, end]) => {
      const string = text(value, m);
      const size = truthy(length) ? toNumber(length, m) : 255;
      if (string.length <= size) return value === null || value === undefined ? '' : value;
      let cut: string;
      if (truthy(killwords)) {
        cut = string.substring(0, size);
      } else {
        let at = string.lastIndexOf(' ', size);
        if (at === -1) at = size;
        cut = string.substring(0, at);
      }
      const ending = end !== undefined && end !== null ? toJsString(end, m) : '...';
      m.string(cut.length + ending.length);
      return keepMarkup(value, cut + ending);
    }),
  ],
  [
    'urlencode',
    builtin(['value'], (m, [value]) => {
      const encode = (item: Value) => {
        const string = toJsString(item, m);
        m.string(string.length * 9);
        return encodeURIComponent(string);
      };
      if (isText(value)) return encode(value);
      const pairs: Value[] = isList(value)
        ? value
        : isDict(value)
          ? dictKeys(value).map((key) => [key, ownValue(value, key)])
          : [];
      return listToStrings(
        pairs.map((pair) => `${encode(memberOf(pair, 0, m))}=${encode(memberOf(pair, 1, m))}`),
        '&',
        m,
      );
    }),
  ],
  [
    'wordcount',
    builtin(['value'], (m, [value]) => {
      const string = text(value, m);
      // A regular-expression scan that builds a list costs more per character.
      m.work(string.length * 16);
      const words = string ? string.match(/\w+/g) : null;
      return words ? words.length : null;
    }),
  ],
]);

/** `range(stop)` / `range(start, stop, step)`, as Nunjucks counts, bounded by the list budget. */
function range(m: Meter, args: Value[]): Value[] {
  let [start, stop, step] = args.map((arg) => (arg === undefined ? undefined : toNumber(arg, m)));
  if (args[1] === undefined) {
    stop = start;
    start = 0;
    step = 1;
  } else if (!step) {
    step = 1;
  }
  const from = start ?? NaN;
  const to = stop ?? NaN;
  const by = step ?? 1;
  const count = Math.max(0, Math.ceil((to - from) / by));
  if (count > m.budgets.maxListItems) {
    const limit = m.budgets.maxListItems;
    m.fail('list_items', limit, `range() is limited to ${limit} numbers`);
  }
  m.list(Number.isFinite(count) ? count : 0);
  const numbers: number[] = [];
  for (let index = 0; index < count; index += 1) numbers.push(from + index * by);
  return numbers;
}

/** The globals: called by name (a memory key of the same name never hides them). */
export const GLOBALS: ReadonlyMap<string, (m: Meter, args: Value[]) => Value> = new Map<
  string,
  (m: Meter, args: Value[]) => Value
>([
  ['range', range],
  ['cycler', (m, args) => (m.list(args.length), new Cycler([...args]))],
  [
    'joiner',
    (m, [separator]) => new Joiner(separator === undefined ? ',' : toJsString(separator, m)),
  ],
]);

// Methods of Jinja2 (the original Python product's templates use them) and a few of
// JavaScript's string methods that Nunjucks templates use; each does bounded work.

type Method = (m: Meter, target: Value, args: Value[]) => Value;

function stripChars(string: string, chars: Value, side: 'both' | 'left' | 'right', m: Meter) {
  m.work(string.length);
  if (chars === undefined || chars === null) {
    if (side === 'left') return string.trimStart();
    if (side === 'right') return string.trimEnd();
    return string.trim();
  }
  const set = new Set(toJsString(chars, m));
  let start = 0;
  let end = string.length;
  if (side !== 'right') while (start < end && set.has(string[start]!)) start += 1;
  if (side !== 'left') while (end > start && set.has(string[end - 1]!)) end -= 1;
  return string.slice(start, end);
}

function split(string: string, separator: Value, maxSplit: Value, m: Meter): string[] {
  m.work(string.length);
  const limit = maxSplit === undefined || maxSplit === null ? -1 : toNumber(maxSplit, m);
  const maxItems = m.budgets.maxListItems;
  let parts: string[];
  if (separator === undefined || separator === null) {
    parts = string.trim() === '' ? [] : string.trim().split(/\s+/, maxItems + 1);
    if (limit >= 0 && parts.length > limit + 1) {
      // Python keeps the rest of the string, untouched, as the last part.
      const word = /\S+/g;
      const head: string[] = [];
      while (head.length < limit) head.push(word.exec(string)![0]);
      parts = [...head, string.slice(word.lastIndex).trimStart()];
    }
  } else {
    const by = toJsString(separator, m);
    if (by === '') throw renderError('split: empty separator', m);
    parts = string.split(by, maxItems + 1);
    if (limit >= 0 && parts.length > limit + 1) {
      parts = [...parts.slice(0, limit), parts.slice(limit).join(by)];
    }
  }
  m.list(parts.length);
  return parts;
}

function pythonTitle(string: string): string {
  return string.replace(/\p{L}+/gu, (word) => capitalize(word));
}

const STRING_METHODS: ReadonlyMap<string, Method> = new Map<string, Method>([
  ['upper', (m, s) => (m.work(str(s).length), str(s).toUpperCase())],
  ['lower', (m, s) => (m.work(str(s).length), str(s).toLowerCase())],
  ['toUpperCase', (m, s) => (m.work(str(s).length), str(s).toUpperCase())],
  ['toLowerCase', (m, s) => (m.work(str(s).length), str(s).toLowerCase())],
  ['strip', (m, s, [chars]) => stripChars(str(s), chars, 'both', m)],
  ['trim', (m, s) => stripChars(str(s), undefined, 'both', m)],
  ['lstrip', (m, s, [chars]) => stripChars(str(s), chars, 'left', m)],
  ['rstrip', (m, s, [chars]) => stripChars(str(s), chars, 'right', m)],
  ['startswith', (m, s, [prefix]) => str(s).startsWith(toJsString(prefix, m))],
  ['endswith', (m, s, [suffix]) => str(s).endsWith(toJsString(suffix, m))],
  ['startsWith', (m, s, [prefix]) => str(s).startsWith(toJsString(prefix, m))],
  ['endsWith', (m, s, [suffix]) => str(s).endsWith(toJsString(suffix, m))],
  ['includes', (m, s, [part]) => (m.work(str(s).length), str(s).includes(toJsString(part, m)))],
  ['split', (m, s, [separator, maxSplit]) => split(str(s), separator, maxSplit, m)],
  [
    'replace',
    (m, s, [old, replacement, count]) =>
      replaceText(
        str(s),
        toJsString(old, m),
        toJsString(replacement, m),
        count === undefined ? -1 : toNumber(count, m),
        m,
      ),
  ],
  ['capitalize', (m, s) => (m.work(str(s).length), capitalize(str(s)))],
  ['title', (m, s) => (m.work(str(s).length), pythonTitle(str(s)))],
  [
    'join',
    (m, s, [items]) => {
      if (!isList(items)) throw renderError('join: the argument must be a list', m);
      return listToStrings(items, str(s), m);
    },
  ],
  ['count', (m, s, [part]) => countOf(str(s), toJsString(part, m), m)],
  ['slice', (m, s, [start, end]) => sliced(str(s), start, end, m)],
  ['substring', (m, s, [start, end]) => substring(str(s), start, end, m)],
  ['indexOf', (m, s, [part]) => (m.work(str(s).length), str(s).indexOf(toJsString(part, m)))],
  ['find', (m, s, [part]) => (m.work(str(s).length), str(s).indexOf(toJsString(part, m)))],
]);

/** JavaScript's slice of a string or list: a part, never more than the whole. */
function sliced(target: string | Value[], start: Value, end: Value, m: Meter): string | Value[] {
  const from = start === undefined ? undefined : toNumber(start, m);
  const to = end === undefined ? undefined : toNumber(end, m);
  const part = target.slice(from, to);
  if (typeof part === 'string') m.work(part.length);
  else m.list(part.length);
  return part;
}

function substring(string: string, start: Value, end: Value, m: Meter): string {
  const part = string.substring(
    toNumber(start ?? 0, m),
    end === undefined ? undefined : toNumber(end, m),
  );
  m.work(part.length);
  return part;
}

function countOf(string: string, part: string, m: Meter): number {
  m.work(string.length);
  if (part === '') return string.length + 1;
  let count = 0;
  for (let at = string.indexOf(part); at !== -1; at = string.indexOf(part, at + part.length)) {
    count += 1;
  }
  return count;
}

const str = (value: Value): string => unwrap(value) as string;

const DICT_METHODS: ReadonlyMap<string, Method> = new Map<string, Method>([
  [
    'items',
    (m, d) => {
      const dict = d as Dict;
      const keys = dictKeys(dict);
      m.list(keys.length);
      return keys.map((key) => [key, ownValue(dict, key)]);
    },
  ],
  ['keys', (m, d) => (m.list(dictKeys(d as Dict).length), dictKeys(d as Dict))],
  [
    'values',
    (m, d) => {
      const dict = d as Dict;
      const keys = dictKeys(dict);
      m.list(keys.length);
      return keys.map((key) => ownValue(dict, key));
    },
  ],
  [
    'get',
    (m, d, [key, fallback]) => {
      const found = memberOf(d, key, m);
      return found === undefined ? (fallback === undefined ? null : fallback) : found;
    },
  ],
]);

// JavaScript's array methods that Nunjucks templates use.
const LIST_METHODS: ReadonlyMap<string, Method> = new Map<string, Method>([
  ['slice', (m, l, [start, end]) => sliced(l as Value[], start, end, m)],
  [
    'join',
    (m, l, [separator]) =>
      listToStrings(l as Value[], separator === undefined ? ',' : toJsString(separator, m), m),
  ],
]);

const CYCLER_METHODS: ReadonlyMap<string, Method> = new Map<string, Method>([
  ['next', (_m, c) => (c as Cycler).next()],
  ['reset', (_m, c) => (c as Cycler).reset()],
]);

/** The method `name` of a value, if it has one. */
export function methodOf(target: Value, name: string): Method | undefined {
  if (isText(target)) return STRING_METHODS.get(name);
  if (isDict(target)) return DICT_METHODS.get(name);
  if (isList(target)) return LIST_METHODS.get(name);
  if (target instanceof Cycler) return CYCLER_METHODS.get(name);
  return undefined;
}

export const METHOD_NAMES = {
  string: [...STRING_METHODS.keys()],
  dict: [...DICT_METHODS.keys()],
  list: [...LIST_METHODS.keys()],
  cycler: [...CYCLER_METHODS.keys()],
};
