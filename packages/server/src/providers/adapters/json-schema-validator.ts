import { Ajv, type ValidateFunction } from 'ajv';
import type { JSONSchema7 } from 'json-schema';

const ajv = new Ajv({ allErrors: true, strict: false });
// Schemas are usually module constants: compile each once.
const compiled = new WeakMap<JSONSchema7, ValidateFunction>();

export type SchemaCheck<T> = { success: true; value: T } | { success: false; error: Error };

/**
 * Validates a model's structured answer against the JSON Schema the caller asked for.
 * @example validateAgainstSchema({ type: 'object', required: ['a'] }, { a: 1 }) // { success: true, value: { a: 1 } }
 */
export function validateAgainstSchema<T = unknown>(schema: JSONSchema7, value: unknown): SchemaCheck<T> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return { success: true, value: value as T };
  return {
    success: false,
    error: new Error(`answer does not match the schema: ${ajv.errorsText(validate.errors)}`),
  };
}
