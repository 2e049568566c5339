/**
 * @module
 * Envelope encryption for every stored secret (DESIGN §5, invariant 4): the envelope wire format, the
 * `KekProvider` boundary and its built-in in-memory implementation, and master-key parsing and checking.
 */
export { encodeDekAad, encodeValueAad } from './aad.ts';
export {
  CorruptEnvelopeError,
  isEnvelope,
  isKekId,
  KEK_ID_MAX_LENGTH,
  KekIdSchema,
  parseEnvelope,
  type SecretEnvelope,
  SecretEnvelopeSchema,
} from './envelope-schema.ts';
export {
  type EnvelopeAad,
  EnvelopeDecryptError,
  type EnvelopeDecryptReason,
  type KekEntry,
  type KekProvider,
} from './kek-provider.ts';
export { computeKeyCheckValue, parseKeyList, parseMasterKeyHex, verifyKeyCheckValue } from './key-check.ts';
export { createLocalKekProvider, type LocalKekProviderOptions } from './local-kek-provider.ts';
