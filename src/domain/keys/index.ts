export { parseDuration } from './durations.ts';
export {
  digestsEqual,
  displayPrefix,
  type GeneratedKey,
  generateVirtualKey,
  hashVirtualKey,
  isVirtualKeyShape,
  KEY_PREFIX,
} from './key-material.ts';
