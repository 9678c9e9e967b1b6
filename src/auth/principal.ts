import { Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { codePointLength } from '../common/code-points.validator';
import { isStorableText } from '../common/storable-text';
import { isUnavailable } from '../common/to-app-error';
import type { ChatAuthContext, ChatPrincipal } from '../config/chat-options';
import type { ChatConfig } from '../config/chat-config';

/** User ids are the host's, opaque: any string of 1 to 255 characters (code points) that PostgreSQL can store. */
export const MAX_USER_ID_LENGTH = 255;

export function isUserId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || !isStorableText(value)) return false;
  return codePointLength(value) <= MAX_USER_ID_LENGTH;
}

/**
 * Asks the host's `authenticate` who is calling. Null for anything but a
 * valid principal whose session has not ended: a refusal, a throw (e.g.
 * `jwt.verify` on a bad token), a malformed result or an `expiresAt` in the
 * past all read the same. Only an outage (the host's database or network
 * unreachable) is not a refusal: it throws UNAVAILABLE, so a user is not
 * told their valid token is wrong while the database is down.
 */
export async function authenticate(config: ChatConfig, context: ChatAuthContext): Promise<ChatPrincipal | null> {
  let principal: ChatPrincipal | null;
  try {
    principal = await config.authenticate(context);
  } catch (error) {
    if (isUnavailable(error)) throw new AppError(ErrorCode.UNAVAILABLE, 'Service temporarily unavailable');
    return null;
  }
  if (principal === null || principal === undefined) return null;
  if (typeof principal !== 'object') return malformed(`a ${typeof principal}`);
  // Numbers are a common slip ({ userId: user.id } with integer ids): taken as their decimal string.
  const userId = typeof principal.userId === 'number' ? String(principal.userId) : principal.userId;
  if (!isUserId(userId)) return malformed('no userId of 1 to 255 characters');
  const expiresAt = principal.expiresAt;
  if (expiresAt !== undefined && !(expiresAt instanceof Date && !Number.isNaN(expiresAt.getTime()))) {
    return malformed('an expiresAt that is not a valid Date');
  }
  const result: ChatPrincipal = { ...principal, userId };
  return sessionEnded(result, Date.now()) ? null : result;
}

const logger = new Logger('ChatAuth');
const reported = new Set<string>();

/**
 * A result no token can make right is the host's bug, not the user's: the
 * caller is refused all the same, and the host is told once per kind (not
 * per request, which an attacker could use to flood the log).
 */
function malformed(what: string): null {
  if (!reported.has(what)) {
    reported.add(what);
    logger.warn(`authenticate returned ${what}: refusing (check the ChatModule authenticate option)`);
  }
  return null;
}

/**
 * The one expiry rule, used at the handshake, on every event and by the
 * sweep: a session ends at its `expiresAt`. Clock-skew leeway is the host's
 * to fold into `expiresAt` (the demo adds its JWT's 30 s).
 */
export function sessionEnded(principal: Pick<ChatPrincipal, 'expiresAt'>, now: number): boolean {
  return principal.expiresAt !== undefined && principal.expiresAt.getTime() <= now;
}

/** The bearer token of a handshake (`auth.token`, else the Authorization header) or a request. */
export function bearerToken(authToken: unknown, authorization: string | string[] | undefined): string | undefined {
  if (typeof authToken === 'string' && authToken.length > 0) return authToken.replace(/^Bearer\s+/i, '') || undefined;
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
