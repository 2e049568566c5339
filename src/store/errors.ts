/** A write refused because it would duplicate a unique value (a tenant or team name, a secret name). */
export class ConflictError extends Error {
  readonly entity: string;
  readonly field: string;

  constructor(entity: string, field: string, value: string) {
    super(`${entity} with ${field} "${value}" already exists`);
    this.name = 'ConflictError';
    this.entity = entity;
    this.field = field;
  }
}

/** A lookup that found nothing (or several things where one was required). */
export class NotFoundError extends Error {
  readonly entity: string;

  constructor(entity: string, reference: string, detail = 'not found') {
    super(`${entity} "${reference}" ${detail}`);
    this.name = 'NotFoundError';
    this.entity = entity;
  }
}
