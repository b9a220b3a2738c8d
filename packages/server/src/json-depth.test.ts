import { describe, expect, it } from 'vitest';
import { assertJsonTextDepth, assertJsonValueDepth, jsonTextDepth, MAX_JSON_DEPTH } from './json-depth.js';
import { deeplyNestedJson, deeplyNestedValue } from './test-support/hostile-inputs.js';

describe('JSON depth limit', () => {
  it('counts brackets outside strings only, escapes included', () => {
    expect(jsonTextDepth('1')).toBe(0);
    expect(jsonTextDepth('{}')).toBe(1);
    expect(jsonTextDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonTextDepth('{"a":"[[[{{{"}')).toBe(1);
    expect(jsonTextDepth('{"a":"\\"[[[{{{"}')).toBe(1);
    expect(jsonTextDepth('["\\\\",[[]]]')).toBe(3);
  });

  it('refuses text 10,000 levels deep before parsing, and accepts the limit itself', () => {
    expect(() => assertJsonTextDepth(deeplyNestedJson(10_000), MAX_JSON_DEPTH, 'the file')).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'json_too_deep',
        details: { limit: MAX_JSON_DEPTH, where: 'the file' },
      }),
    );
    expect(() => assertJsonTextDepth(deeplyNestedJson(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => assertJsonTextDepth(deeplyNestedJson(MAX_JSON_DEPTH + 1))).toThrow(
      expect.objectContaining({ code: 'json_too_deep' }),
    );
  });

  it('refuses parsed values past the limit, cyclic ones included, without recursion', () => {
    expect(() => assertJsonValueDepth(deeplyNestedValue(100_000))).toThrow(
      expect.objectContaining({ code: 'json_too_deep' }),
    );
    expect(() => assertJsonValueDepth(deeplyNestedValue(MAX_JSON_DEPTH))).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => assertJsonValueDepth(cyclic)).toThrow(expect.objectContaining({ code: 'json_too_deep' }));
    expect(() => assertJsonValueDepth({ a: [1, 'x', null, { b: true }] })).not.toThrow();
  });
});
