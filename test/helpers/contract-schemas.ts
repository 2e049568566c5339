/**
 * @module Validators for the checked-in JSON Schemas under `contracts/schemas/`, read from the files themselves:
 * a test that checks a live reply against them checks what clients are told, not the TypeBox source.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });

/** Returns a check of `contracts/schemas/<name>.schema.json`: its Ajv errors as text, or null when `value` holds. */
export function contractValidator(name: string): (value: unknown) => string | null {
  const schema = JSON.parse(readFileSync(`contracts/schemas/${name}.schema.json`, 'utf8')) as { $id?: string };
  const validate = (schema.$id !== undefined && ajv.getSchema(schema.$id)) || ajv.compile(schema);
  return function checkContract(value: unknown): string | null {
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}
