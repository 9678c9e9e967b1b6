import { AppConfig, parseDurationSeconds } from './app-config';
import { ConfigValidationError, validateEnv } from './env.validation';

describe(AppConfig.name, () => {
  const secret = 's'.repeat(32);

  it('should apply the documented defaults', () => {
    const config = new AppConfig(validateEnv({ JWT_SECRET: secret }));
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      jwtExpiresInSeconds: 3600,
      corsOrigins: [],
      maxMessageLength: 4000,
      typingTimeoutMs: 5000,
      maxHttpBufferSize: 65536,
      authRateLimit: { count: 10, windowMs: 60_000 },
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('should name every bad variable and the value it got', () => {
    expect.assertions(4);
    try {
      validateEnv({ PORT: 'abc', DATABASE_URL: 'mysql://x', JWT_EXPIRES_IN: 'soon' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      const message = (error as Error).message;
      expect(message).toMatch(/PORT .*"abc"/);
      expect(message).toMatch(/DATABASE_URL must be a postgresql:\/\/ URL/);
      expect(message).toMatch(/JWT_EXPIRES_IN/);
    }
  });

  it('should not echo a too-short JWT_SECRET in the error', () => {
    expect(() => validateEnv({ JWT_SECRET: 'hunter2' })).toThrow(
      /JWT_SECRET must be at least 32 characters .*\(got \(hidden\)\)/,
    );
  });

  it('should treat empty strings as unset', () => {
    expect(validateEnv({ PORT: '', DATABASE_URL: '  ' })).toMatchObject({ PORT: 3000, DATABASE_URL: undefined });
  });

  it('should generate a secret in development and refuse to start without one in production', () => {
    const dev = new AppConfig(validateEnv({}));
    expect(dev.jwtSecretGenerated).toBe(true);
    expect(dev.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(() => new AppConfig(validateEnv({ NODE_ENV: 'production' }))).toThrow(/JWT_SECRET is required/);
  });

  it('should parse CORS_ORIGINS as a list, with * meaning any origin', () => {
    expect(
      new AppConfig(validateEnv({ JWT_SECRET: secret, CORS_ORIGINS: 'https://a.test/, http://b.test:8080' }))
        .corsOrigins,
    ).toEqual(['https://a.test', 'http://b.test:8080']);
    expect(new AppConfig(validateEnv({ JWT_SECRET: secret, CORS_ORIGINS: '*' })).corsOrigins).toBe('*');
  });

  it.each([
    ['3600', 3600],
    ['900s', 900],
    ['15m', 900],
    ['12h', 43200],
    ['7d', 604800],
    ['1500ms', 2],
  ])('should read the duration %s as %i seconds', (input, seconds) => {
    expect(parseDurationSeconds(input)).toBe(seconds);
  });
});
