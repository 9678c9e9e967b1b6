import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('verifyWebhookSignature', () => {
  const secret = 'a-secret-of-16-chars';
  const body = '{"id":"d1","type":"newMessage"}';
  const now = 1_800_000_000_000;
  const timestamp = now / 1000;
  const headers = (overrides: Record<string, string> = {}): Record<string, string> => ({
    'x-chat-timestamp': String(timestamp),
    'x-chat-signature': signWebhook(secret, timestamp, body),
    ...overrides,
  });

  it('should accept the signature of this body, timestamp and secret, as a string or a Buffer', () => {
    expect(verifyWebhookSignature(secret, body, headers(), { now })).toBe(true);
    expect(verifyWebhookSignature(secret, Buffer.from(body), headers(), { now })).toBe(true);
  });

  it('should refuse another secret, a changed body and a changed timestamp', () => {
    expect(verifyWebhookSignature('another-secret-16ch', body, headers(), { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body.replace('d1', 'd2'), headers(), { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body, headers({ 'x-chat-timestamp': String(timestamp + 1) }), { now })).toBe(
      false,
    );
  });

  it('should refuse a request older or further ahead than the tolerance (a replay)', () => {
    expect(verifyWebhookSignature(secret, body, headers(), { now: now + 5 * 60_000 })).toBe(true);
    expect(verifyWebhookSignature(secret, body, headers(), { now: now + 5 * 60_000 + 1 })).toBe(false);
    expect(verifyWebhookSignature(secret, body, headers(), { now: now - 60_000, toleranceMs: 59_999 })).toBe(false);
  });

  it('should refuse missing or malformed headers without throwing', () => {
    expect(verifyWebhookSignature(secret, body, {}, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body, headers({ 'x-chat-signature': 'v1=00' }), { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body, headers({ 'x-chat-timestamp': 'soon' }), { now })).toBe(false);
  });

  it('should sign HMAC-SHA256 over "<timestamp>.<body>" as v1=<hex>', () => {
    // Computed independently: printf '1800000000.{}' | openssl dgst -sha256 -hmac a-secret-of-16-chars
    expect(signWebhook(secret, 1_800_000_000, '{}')).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(signWebhook(secret, 1_800_000_000, '{}')).toBe(`v1=${OPENSSL_HEX}`);
  });
});

const OPENSSL_HEX = '8c14ae2d8b182c840a1a4fb1133c3d2354e64984353f3e5f9d35b33d7791c93c';
