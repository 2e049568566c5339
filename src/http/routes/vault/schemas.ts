import { Type } from '@sinclair/typebox';
import { SERVICE_ID_PATTERN } from '../../../vault/service-schema.ts';

export { VaultGrantSchema as GrantBodySchema, VaultServiceSchema as ServiceBodySchema } from '../../../vault/index.ts';

const Reference = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

export const ServiceParamsSchema = Type.Object(
  { service: Type.String({ pattern: SERVICE_ID_PATTERN }) },
  { additionalProperties: false },
);

export const KeyParamsSchema = Type.Object({ key_id: Reference }, { additionalProperties: false });

export const KeyServiceParamsSchema = Type.Object(
  { key_id: Reference, service: Type.String({ pattern: SERVICE_ID_PATTERN }) },
  { additionalProperties: false },
);

/** `PUT …/credentials`: the secret is write-only; no response ever echoes it. */
export const CredentialBodySchema = Type.Object(
  {
    secret: Type.String({ minLength: 1, maxLength: 16_384 }),
    tenant: Type.Optional(Reference),
    key: Type.Optional(Reference),
  },
  { additionalProperties: false },
);

export const CredentialQuerySchema = Type.Object(
  { tenant: Type.Optional(Reference), key: Type.Optional(Reference) },
  { additionalProperties: false },
);
