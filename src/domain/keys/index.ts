export { parseDuration } from './durations.ts';
export {
  ADMIN_TOKEN_PREFIX,
  digestsEqual,
  displayPrefix,
  type GeneratedKey,
  generateAdminToken,
  generateVirtualKey,
  hashVirtualKey,
  isAdminTokenShape,
  isVirtualKeyShape,
  KEY_PREFIX,
} from './key-material.ts';
