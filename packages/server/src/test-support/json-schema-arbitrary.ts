import fc from 'fast-check';

/** The subset of JSON Schema (2020-12, as the OpenAPI 3.1 document carries it) the generator reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface SchemaContext {
  /** Looks up `#/components/schemas/X`. */
  resolve: (ref: string) => JsonSchema;
  /** Ids of things that exist, so valid-looking values sometimes hit real rows. */
  knownIds: readonly string[];
  /** What a `format: uri` becomes: the fuzz must never reach beyond this machine. */
  safeUrls: readonly string[];
}

/** Strings that break naive code: NUL, control and combining characters, surrogates, markup. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '%00',
    '\u202e\u0301\ufeff',
    '\ud83d\ude00',
    '\ud800',
    '../../etc/passwd',
    "' or 1=1 --",
    '<script>alert(1)</script>',
    '{"a":',
    '',
    ' ',
    '\n\r\t',
    'null',
    '-1',
    '1e999',
    'ｆｕｌｌｗｉｄｔｈ',
    '𝕦𝕟𝕚𝕔𝕠𝕕𝕖',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

/** Numbers at and past the edges of what JSON, JavaScript and PostgreSQL columns hold. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    -0,
    0.5,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    -1e308,
    Number.MIN_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, with hostile leaves. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), hostileString), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Arrays nested `depth` levels deep around a value. */
export const deeplyNested = (depth: number): unknown => {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

const types = (schema: JsonSchema): string[] =>
  schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];

/**
 * Values that satisfy the schema (as far as formats and patterns allow), so requests get past
 * validation and into the code behind it.
 */
export function validValue(schema: JsonSchema, ctx: SchemaContext, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return validValue(ctx.resolve(schema.$ref), ctx, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validValue(s, ctx, depth + 1)));
  if (schema.allOf)
    return validValue(Object.assign({}, ...schema.allOf.map((s) => resolved(s, ctx))), ctx, depth);
  const listed = types(schema);
  if (listed.length > 1)
    return fc.oneof(...listed.map((t) => validValue({ ...schema, type: t }, ctx, depth)));
  switch (listed[0]) {
    case 'string':
      return validString(schema, ctx);
    case 'integer':
    case 'number':
      return validNumber(schema, listed[0] === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? min + 3, min + 3);
      return fc.array(schema.items ? validValue(schema.items, ctx, depth + 1) : anyJson, {
        minLength: min,
        maxLength: max,
      });
    }
    case 'object':
      return validObject(schema, ctx, depth);
    default:
      return depth > 3 ? fc.constant(null) : anyJson;
  }
}

function resolved(schema: JsonSchema, ctx: SchemaContext): JsonSchema {
  return schema.$ref ? ctx.resolve(schema.$ref) : schema;
}

function validString(schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, 60);
  switch (schema.format) {
    case 'uuid':
      return fc.oneof(fc.constantFrom(...ctx.knownIds), fc.uuid());
    case 'email':
      return fc.emailAddress().filter((e) => e.length <= max);
    case 'date-time':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
    case 'url':
      return fc.constantFrom(...ctx.safeUrls);
  }
  if (schema.pattern) {
    // Only stated bounds filter: a pattern like `^[0-9a-f]{64}$` fixes its own length.
    const lo = schema.minLength ?? 0;
    const hi = schema.maxLength ?? Number.POSITIVE_INFINITY;
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= lo && s.length <= hi);
  }
  const limit = Math.min(max, min + 80);
  return fc.oneof(
    fc.string({ minLength: min, maxLength: limit }),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: limit }).filter((s) => s.length <= max),
    fc.constant('x'.repeat(max)),
  );
}

function validNumber(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lowest = integer ? Number.MIN_SAFE_INTEGER : -1e12;
  const highest = integer ? Number.MAX_SAFE_INTEGER : 1e12;
  const min = Math.max(lowest, schema.minimum ?? (schema.exclusiveMinimum ?? lowest - 1) + 1);
  const max = Math.min(highest, schema.maximum ?? (schema.exclusiveMaximum ?? highest + 1) - 1);
  if (integer) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    return fc.oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(lo, hi));
  }
  return fc.oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(min, max));
}

function validObject(schema: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const record = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, validValue(s, ctx, depth + 1)])),
    { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) },
  );
  if (Object.keys(properties).length === 0 && typeof schema.additionalProperties === 'object') {
    return fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }),
      validValue(schema.additionalProperties, ctx, depth + 1),
      { maxKeys: 4 },
    );
  }
  return record;
}

export type Mutation = 'drop' | 'wrong-type' | 'extra' | 'nul' | 'huge-number' | 'null';

/**
 * A valid value broken in one place: a field dropped (a required one, often), replaced by a
 * value of another type, an extra field, a NUL inside a string, a number past every column's
 * range, or null.
 */
export function mutatedValue(schema: JsonSchema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      validValue(schema, ctx),
      fc.nat(),
      fc.constantFrom<Mutation>('drop', 'wrong-type', 'extra', 'nul', 'huge-number', 'null'),
      anyJson,
    )
    .map(([value, pick, mutation, replacement]) => mutate(value, pick, mutation, replacement));
}

function mutate(value: unknown, pick: number, mutation: Mutation, replacement: unknown): unknown {
  const root = { value: structuredClone(value) } as Record<string, unknown>;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (container: Record<string, unknown> | unknown[], key: string | number) => {
    slots.push([container, key]);
    const child = (container as Record<string | number, unknown>)[key];
    if (Array.isArray(child)) for (let i = 0; i < child.length; i++) walk(child, i);
    else if (child && typeof child === 'object')
      for (const k of Object.keys(child)) walk(child as Record<string, unknown>, k);
  };
  walk(root, 'value');
  const [container, key] = slots[pick % slots.length]!;
  const target = container as Record<string | number, unknown>;
  const current = target[key];
  switch (mutation) {
    case 'drop':
      if (Array.isArray(container)) container.splice(key as number, 1);
      else if (container !== root) delete target[key];
      else target[key] = undefined;
      break;
    case 'wrong-type':
      target[key] = replacement;
      break;
    case 'extra':
      if (current && typeof current === 'object' && !Array.isArray(current))
        (current as Record<string, unknown>)[`extra\u0000${pick % 3}`] = replacement;
      else target[key] = { extra: replacement };
      break;
    case 'nul':
      target[key] = typeof current === 'string' ? `${current}\u0000` : '\u0000';
      break;
    case 'huge-number':
      target[key] = [1e308, -1e308, 2 ** 63, 2 ** 53 + 2][pick % 4];
      break;
    case 'null':
      target[key] = null;
      break;
  }
  return root.value;
}
