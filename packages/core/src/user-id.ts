import { SessionError } from './errors.js';

/**
 * User ids are compared exactly on every database, so only ids every database stores and compares the same way are
 * accepted: 1 to 255 characters of well-formed Unicode without control characters (PostgreSQL refuses NUL, and lone
 * surrogates collapse to one replacement character on PostgreSQL and MariaDB). Throws `INVALID_DATA`.
 */
export function checkUserId(op: string, userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '') {
    throw new SessionError('INVALID_DATA', `${op}(): userId must be a non-empty string.`);
  }
  if (userId.length > 255) {
    throw new SessionError('INVALID_DATA', `${op}(): userId must be at most 255 characters.`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(userId) || !isWellFormed(userId)) {
    throw new SessionError(
      'INVALID_DATA',
      `${op}(): userId must be well-formed Unicode without control characters (got ${JSON.stringify(userId).slice(0, 80)}).`,
    );
  }
}

/** `String.prototype.isWellFormed` (Node 20): no lone surrogates. */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
