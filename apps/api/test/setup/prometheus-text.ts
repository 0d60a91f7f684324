export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string;
  type: string;
  samples: PromSample[];
}

export type PromMetrics = Map<string, PromFamily>;

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_PAIR = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Go's ParseFloat, which Prometheus uses: Inf, Infinity and NaN in any case.
const VALUE =
  '[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN]|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL_PAIR})(?:,${LABEL_PAIR})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function parseValue(value: string): number {
  const special = value.toLowerCase().replace(/^\+/, '');
  if (special === 'inf' || special === 'infinity') return Infinity;
  if (special === '-inf' || special === '-infinity') return -Infinity;
  return Number(value);
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line must match the
 * grammar, every family needs HELP and TYPE before its samples and must be one group, series
 * are unique, histogram buckets are cumulative and end at +Inf = _count. Throws on a violation.
 */
export function parsePrometheusText(text: string): PromMetrics {
  const families: PromMetrics = new Map();
  const seenSeries = new Set<string>();
  let current: PromFamily | undefined;
  const familyOf = (name: string): PromFamily => {
    const existing = families.get(name);
    if (existing) return existing;
    const family = { name, help: '', type: '', samples: [] };
    families.set(name, family);
    return family;
  };

  text.split('\n').forEach((line, index) => {
    const fail = (why: string) => {
      throw new Error(`line ${index + 1} ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return;
    const help = HELP_LINE.exec(line);
    const type = TYPE_LINE.exec(line);
    if (help || type) {
      const family = familyOf((help ?? type)![1]!);
      if (family.samples.length > 0) fail('describes a family after its samples');
      if (help) family.help = unescape(help[2]!);
      if (type) {
        if (family.type) fail('repeats a TYPE');
        family.type = type[2]!;
      }
      current = family;
      return;
    }
    if (line.startsWith('#')) {
      if (/^# (HELP|TYPE) /.test(line)) fail('is a malformed HELP or TYPE');
      return;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) return fail('is not a sample');
    const [, name, labelText = '', rawValue] = sample as unknown as [
      string,
      string,
      string,
      string,
    ];
    const suffixes = SUFFIXES[current?.type ?? ''] ?? [''];
    if (!current || !suffixes.some((suffix) => name === `${current!.name}${suffix}`)) {
      fail('is a sample outside its family (missing HELP/TYPE, or not grouped)');
    }
    if (!current!.help || !current!.type) fail('belongs to a family without HELP and TYPE');
    const labels: Record<string, string> = {};
    for (const [, label, value] of labelText.matchAll(LABEL)) {
      if (label! in labels) fail(`repeats label ${label}`);
      labels[label!] = unescape(value!);
    }
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) fail('repeats a series');
    seenSeries.add(series);
    current!.samples.push({ name, labels, value: parseValue(rawValue) });
  });

  for (const family of families.values()) {
    if (!family.help || !family.type) throw new Error(`${family.name} lacks HELP or TYPE`);
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: PromFamily): void {
  const seriesKey = ({ le: _le, ...labels }: Record<string, string>) =>
    JSON.stringify(Object.entries(labels).sort());
  const counts = new Map(
    family.samples
      .filter((sample) => sample.name.endsWith('_count'))
      .map((sample) => [seriesKey(sample.labels), sample.value]),
  );
  const buckets = new Map<string, PromSample[]>();
  for (const sample of family.samples.filter((s) => s.name.endsWith('_bucket'))) {
    if (sample.labels.le === undefined) throw new Error(`${family.name} has a bucket without le`);
    const key = seriesKey(sample.labels);
    buckets.set(key, [...(buckets.get(key) ?? []), sample]);
  }
  for (const [key, series] of buckets) {
    const bounds = series.map((sample) => parseValue(sample.labels.le!));
    const ascending = bounds.every((bound, i) => i === 0 || bound > bounds[i - 1]!);
    const cumulative = series.every((sample, i) => i === 0 || sample.value >= series[i - 1]!.value);
    if (!ascending || !cumulative || bounds.at(-1) !== Infinity) {
      throw new Error(`${family.name}${key} has buckets that are not cumulative up to +Inf`);
    }
    if (series.at(-1)!.value !== counts.get(key)) {
      throw new Error(`${family.name}${key}: the +Inf bucket differs from _count`);
    }
  }
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none). */
export function total(
  metrics: PromMetrics,
  name: string,
  labels: Record<string, string> = {},
): number {
  return [...metrics.values()]
    .flatMap((family) => family.samples)
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
