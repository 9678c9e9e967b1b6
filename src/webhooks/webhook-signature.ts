import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature scheme's version, the prefix of `x-chat-signature`. */
const VERSION = 'v1';

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: what a webhook request carries in `x-chat-signature`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `${VERSION}=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface VerifyWebhookOptions {
  /** How old (or how far ahead) `x-chat-timestamp` may be. Default 5 minutes. */
  toleranceMs?: number;
  /** The receiver's clock, in milliseconds. Default Date.now(). */
  now?: number;
}

/**
 * For a webhook receiver: true when the request was signed with `secret`
 * over exactly this raw body (verify before parsing it) and its timestamp
 * is recent, so a replayed old request fails. Header names in lower case,
 * as Node gives them. Compares in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Buffer,
  headers: Record<string, string | string[] | undefined>,
  options: VerifyWebhookOptions = {},
): boolean {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const timestamp = Number(header('x-chat-timestamp'));
  const signature = header('x-chat-signature');
  if (!Number.isInteger(timestamp) || !signature) return false;
  const now = options.now ?? Date.now();
  if (Math.abs(now - timestamp * 1000) > (options.toleranceMs ?? 5 * 60_000)) return false;
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
