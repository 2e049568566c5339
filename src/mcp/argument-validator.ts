/**
 * @module Validates tool arguments against the tool's own `inputSchema` and a policy rule's `args_schema`,
 * each compiled once per definition object. MCP 2025-11-25 makes JSON Schema 2020-12 the default dialect
 * (SEP-1613), so schemas compile as 2020-12; a schema naming another draft or using unknown keywords still
 * compiles (strict mode off), since the upstream, not the gateway, owns its schema's dialect.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

export class ArgumentValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
  private readonly compiled = new WeakMap<object, ValidateFunction | null>();

  private compile(schema: object): ValidateFunction | null {
    if (this.compiled.has(schema)) return this.compiled.get(schema) ?? null;
    let validate: ValidateFunction | null;
    try {
      const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
      validate = this.ajv.compile(rest);
    } catch {
      validate = null;
    }
    this.compiled.set(schema, validate);
    return validate;
  }

  /** Null when the arguments fit, else a message naming the first violation. */
  check(schema: unknown, args: unknown): string | null {
    if (typeof schema !== 'object' || schema === null) return null;
    const validate = this.compile(schema);
    if (validate === null) return 'the tool declares an input schema that cannot be compiled';
    if (validate(args)) return null;
    const first = validate.errors?.[0];
    return first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'invalid arguments';
  }

  /** Whether `value` satisfies a policy rule's `args_schema` (an uncompilable schema never matches). */
  matches(schema: Record<string, unknown>, value: unknown): boolean {
    const validate = this.compile(schema);
    return validate !== null && validate(value) === true;
  }
}
