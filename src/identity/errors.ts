/** Bad input to an identity operation (a name with spaces, a negative lifetime), naming the field at fault. */
export class ValidationError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Names appear in URLs, CLI arguments and logs: keep them to a safe, unambiguous alphabet. */
export function validateName(field: string, name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError(
      field,
      'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
  return name;
}
