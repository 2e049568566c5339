/**
 * @module
 * The stored form of every secret (DESIGN §5): one strict JSON shape, validated by the same TypeBox schema that
 * is exported to `contracts/schemas/secret-envelope.schema.json`.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const KEK_ID_PATTERN = '^[A-Za-z0-9._-]+$';
const IV_HEX = Type.String({ pattern: '^[0-9a-f]{24}$', description: '96-bit GCM nonce, lowercase hex' });
const TAG_HEX = Type.String({ pattern: '^[0-9a-f]{32}$', description: '128-bit GCM tag, lowercase hex' });

/** Maximum length of a KEK id; also what `createLocalKekProvider` accepts. */
export const KEK_ID_MAX_LENGTH = 64;

/** A KEK id as it may appear in an envelope. */
export const KekIdSchema = Type.String({ minLength: 1, maxLength: KEK_ID_MAX_LENGTH, pattern: KEK_ID_PATTERN });

/**
 * A value encrypted under a fresh data key (DEK), the DEK wrapped by the KEK named in `kek_id`.
 * Lowercase hex only, so one envelope has one spelling and byte-level comparisons stay meaningful.
 */
export const SecretEnvelopeSchema = Type.Object(
  {
    v: Type.Literal(1),
    alg: Type.Literal('aes-256-gcm'),
    kek_id: KekIdSchema,
    iv: IV_HEX,
    tag: TAG_HEX,
    ciphertext: Type.String({ pattern: '^(?:[0-9a-f]{2})*$', description: 'lowercase hex, may be empty' }),
    dek: Type.Object(
      {
        iv: IV_HEX,
        tag: TAG_HEX,
        wrapped: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'the 256-bit DEK under the KEK' }),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'secret-envelope',
    title: 'Gatehouse secret envelope',
    description: 'AES-256-GCM envelope encryption: value under a data key, data key wrapped by a KEK.',
    additionalProperties: false,
  },
);

export type SecretEnvelope = Static<typeof SecretEnvelopeSchema>;

const envelopeChecker = TypeCompiler.Compile(SecretEnvelopeSchema);
const kekIdChecker = TypeCompiler.Compile(KekIdSchema);

/** Thrown by `parseEnvelope`; `field` is the dotted path of the first failing field (`(root)` for the whole). */
export class CorruptEnvelopeError extends Error {
  override readonly name = 'CorruptEnvelopeError';
  readonly reason: string;
  readonly field: string;

  constructor(field: string, reason: string, options?: ErrorOptions) {
    super(`corrupt secret envelope: ${reason}`, options);
    this.field = field;
    this.reason = reason;
  }
}

/** True when `value` is a well-formed envelope; never throws. */
export function isEnvelope(value: unknown): value is SecretEnvelope {
  return envelopeChecker.Check(value);
}

/** True when `kekId` may be written into an envelope. */
export function isKekId(kekId: unknown): kekId is string {
  return kekIdChecker.Check(kekId);
}

/**
 * Validates a stored envelope (an object, or its JSON text) against `SecretEnvelopeSchema`.
 * @throws CorruptEnvelopeError naming the first failing field; the offending value is never echoed.
 */
export function parseEnvelope(value: unknown): SecretEnvelope {
  let candidate = value;
  if (typeof value === 'string') {
    try {
      candidate = JSON.parse(value);
    } catch (error) {
      throw new CorruptEnvelopeError('(root)', '(root): not valid JSON', { cause: error });
    }
  }
  if (envelopeChecker.Check(candidate)) return candidate;
  const first = envelopeChecker.Errors(candidate).First();
  const field = first === undefined ? '(root)' : describePointer(first.path);
  const message = first === undefined ? 'does not match the schema' : first.message;
  throw new CorruptEnvelopeError(field, `${field}: ${message}`);
}

// Extra property names come from stored data, so they are bounded before they reach a log line.
function describePointer(pointer: string): string {
  if (pointer === '') return '(root)';
  const dotted = pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
  return dotted.length > 80 ? `${dotted.slice(0, 80)}…` : dotted;
}
