import { AppError, ErrorCode } from 'nest-chat-gateway';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env.validation';
import { AuthThrottle } from './auth-throttle';

const wrongPassword = (): Promise<never> => Promise.reject(new AppError(ErrorCode.UNAUTHORIZED, 'Invalid'));

/** What each login answers: 'ok', or the error code. */
async function attempt(
  throttle: AuthThrottle,
  ip: string,
  email: string,
  login: () => Promise<unknown> = wrongPassword,
): Promise<string> {
  return throttle.login(ip, email, login).then(
    () => 'ok',
    (error: AppError) => error.code,
  );
}

describe(AuthThrottle.name, () => {
  let throttle: AuthThrottle;

  beforeEach(() => {
    throttle = new AuthThrottle(new AppConfig(validateEnv({ RATE_LIMIT_AUTH: '3/60s' })));
  });

  it('should refuse failed logins past the allowance from one IP, for any account', async () => {
    const seen = [];
    for (const email of ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'])
      seen.push(await attempt(throttle, '1.1.1.1', email));
    expect(seen).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'RATE_LIMITED']);
    expect(await attempt(throttle, '2.2.2.2', 'a@x.test')).toBe('UNAUTHORIZED');
  });

  it('should refuse failed logins past the allowance for one account, from any number of IPs', async () => {
    const seen = [];
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'])
      seen.push(await attempt(throttle, ip, 'victim@x.test'));
    expect(seen).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'RATE_LIMITED']);
    expect(await attempt(throttle, '4.4.4.4', 'someone-else@x.test')).toBe('UNAUTHORIZED');
  });

  it('should not count logins that succeed or fail for another reason than the password', async () => {
    const unavailable = (): Promise<never> => Promise.reject(new AppError(ErrorCode.UNAVAILABLE, 'db down'));
    for (let i = 0; i < 5; i++) expect(await attempt(throttle, '1.1.1.1', 'a@x.test', async () => 'token')).toBe('ok');
    for (let i = 0; i < 5; i++) expect(await attempt(throttle, '1.1.1.1', 'a@x.test', unavailable)).toBe('UNAVAILABLE');
    expect(await attempt(throttle, '1.1.1.1', 'a@x.test')).toBe('UNAUTHORIZED');
  });

  it('should not let concurrent guesses pass before the first is counted', async () => {
    const slowWrong = () =>
      new Promise<never>((_, reject) => setTimeout(() => reject(new AppError(ErrorCode.UNAUTHORIZED, 'x')), 20));
    const seen = await Promise.all(
      Array.from({ length: 10 }, () => attempt(throttle, '1.1.1.1', 'a@x.test', slowWrong)),
    );
    expect(seen.filter((s) => s === 'UNAUTHORIZED')).toHaveLength(3);
    expect(seen.filter((s) => s === 'RATE_LIMITED')).toHaveLength(7);
  });

  it('should refuse registrations past the allowance per IP, with the wait', async () => {
    for (let i = 0; i < 3; i++) await throttle.registration('1.1.1.1');
    const refusal = await throttle.registration('1.1.1.1').catch((error: AppError) => error);
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED' });
    expect((refusal as AppError).details).toEqual({ retryAfterMs: expect.any(Number) as number });
    await expect(throttle.registration('2.2.2.2')).resolves.toBeUndefined();
  });
});
