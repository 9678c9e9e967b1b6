import { AppError } from '../common/app-error';
import type { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { PasswordHasher } from './password-hasher';
import type { TokenService } from './token.service';

describe(AuthService.name, () => {
  const user = {
    id: 'u1',
    email: 'ada@example.test',
    name: 'Ada',
    passwordHash: 'HASH',
    tokenVersion: 0,
    lastSeenAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  let users: jest.Mocked<Pick<UsersService, 'findByEmail' | 'findById' | 'create'>>;
  let hasher: jest.Mocked<Pick<PasswordHasher, 'hash' | 'verify'>>;
  let service: AuthService;

  beforeEach(() => {
    users = { findByEmail: jest.fn(), findById: jest.fn(), create: jest.fn() };
    hasher = { hash: jest.fn().mockResolvedValue('HASH'), verify: jest.fn() };
    const tokens = { sign: jest.fn().mockReturnValue('TOKEN') } as unknown as TokenService;
    service = new AuthService(users as unknown as UsersService, hasher as unknown as PasswordHasher, tokens, {
      revoked: jest.fn(),
    } as any);
  });

  it('should hash the password and never pass it to storage', async () => {
    users.findByEmail.mockResolvedValue(null);
    users.create.mockResolvedValue(user);
    const result = await service.register({ email: user.email, password: 'secret-pass', name: 'Ada' });
    expect(users.create).toHaveBeenCalledWith({ email: user.email, name: 'Ada', passwordHash: 'HASH' });
    expect(result).toEqual({ accessToken: 'TOKEN', user: { id: 'u1', email: user.email, name: 'Ada' } });
  });

  it('should refuse a registered email with CONFLICT before hashing', async () => {
    users.findByEmail.mockResolvedValue(user);
    await expect(service.register({ email: user.email, password: 'x'.repeat(8), name: 'A' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  it('should still verify a password for an unknown email and answer UNAUTHORIZED', async () => {
    users.findByEmail.mockResolvedValue(null);
    hasher.verify.mockResolvedValue(false);
    await expect(service.login({ email: 'nobody@example.test', password: 'whatever' })).rejects.toBeInstanceOf(
      AppError,
    );
    expect(hasher.verify).toHaveBeenCalledWith(undefined, 'whatever');
  });

  it('should answer the same UNAUTHORIZED for a wrong password', async () => {
    users.findByEmail.mockResolvedValue(user);
    hasher.verify.mockResolvedValue(false);
    await expect(service.login({ email: user.email, password: 'wrong' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Invalid email or password',
    });
  });
});
