export {
  createSecretService,
  MasterKeyMismatchError,
  type RotationReport,
  type SecretService,
  SYSTEM_OWNER,
  verifyMasterKeys,
} from './secret-service.ts';
