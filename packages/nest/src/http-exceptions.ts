import {
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { SessionError } from '@sess/core';
import { sessionErrorBody } from '@sess/core/adapter';

const logger = new Logger('SessionModule');

/**
 * Turns a `SessionError` into the Nest HTTP exception of its status (`UnauthorizedException` 401,
 * `ForbiddenException` 403 for `REAUTHENTICATION_REQUIRED`, `NotFoundException` 404, `ServiceUnavailableException`
 * 503, `InternalServerErrorException` 500), whose body is the one every sess package answers:
 * `{ "error": { "code", "message" } }`. A store failure or a server-side error gets a fixed message: the database's
 * own words never reach a client. The `SessionError` is kept as `cause`. The module's interceptor and guard apply it
 * for you; use it in code of your own that runs outside them (a custom guard or middleware).
 *
 * @example
 * ```ts
 * try { await getSession(request)?.revoke(id) } catch (e) {
 *   throw e instanceof SessionError ? toHttpException(e) : e
 * }
 * ```
 */
export function toHttpException(error: SessionError): HttpException {
  const body = sessionErrorBody(error);
  const options = { cause: error, description: error.code };
  switch (error.status) {
    case 401:
      return new UnauthorizedException(body, options);
    case 403:
      return new ForbiddenException(body, options);
    case 404:
      return new NotFoundException(body, options);
    case 503:
      return new ServiceUnavailableException(body, options);
    case 500:
      return new InternalServerErrorException(body, options);
    default:
      return new HttpException(body, error.status, options);
  }
}

/**
 * What the interceptor rethrows for an error: a `SessionError` of a client status or 503 becomes its HTTP
 * exception (a store failure is logged with its cause, since Nest does not log HTTP exceptions); programming errors
 * (status 500: bad configuration, data that is not JSON, no session context) and every other error pass unchanged,
 * so Nest logs them and answers 500. @internal
 */
export function mapSessionError(error: unknown): unknown {
  if (!(error instanceof SessionError)) return error;
  if (error.status === 503) {
    logger.error(
      `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`,
      error.stack,
    );
  }
  return error.status < 500 || error.status === 503 ? toHttpException(error) : error;
}
