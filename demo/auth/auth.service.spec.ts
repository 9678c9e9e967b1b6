import { AppError, type ChatSessionsService } from 'nest-chat-gateway';
import type { User, UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { PasswordHasher } from './password-hasher';
import type { TokenService } from './token.service';

describe(AuthService.name, () => {
  const user: User = {
    id: 'u1',
    email: 'ada@example.test',
    name: 'Ada',
    passwordHash: 'HASH',
    tokenVersion: 0,
  };
  let users: jest.Mocked<Pick<UsersService, 'findByEmail' | 'findById' | 'create' | 'bumpTokenVersion'>>;
  let hasher: jest.Mocked<Pick<PasswordHasher, 'hash' | 'verify'>>;
  let chatSessions: jest.Mocked<Pick<ChatSessionsService, 'disconnectUser'>>;
  let service: AuthService;

  beforeEach(() => {
    users = { findByEmail: jest.fn(), findById: jest.fn(), create: jest.fn(), bumpTokenVersion: jest.fn() };
    hasher = { hash: jest.fn().mockResolvedValue('HASH'), verify: jest.fn() };
    chatSessions = { disconnectUser: jest.fn() };
    const tokens = { sign: jest.fn().mockReturnValue('TOKEN') } as unknown as TokenService;
    service = new AuthService(
      users as unknown as UsersService,
      hasher as unknown as PasswordHasher,
      tokens,
      chatSessions as unknown as ChatSessionsService,
    );
  });

  it('should hash the password and never pass it to storage', async () => {
    users.findByEmail.mockResolvedValue(null);
    users.create.mockResolvedValue(user);
    const result = await service.register({ email: user.email, password: 'secret-pass', name: 'Ada' });
    expect(users.create).toHaveBeenCalledWith({ email: user.email, name: 'Ada', passwordHash: 'HASH' });
    expect(result).toEqual({ accessToken: 'TOKEN', user: { id: 'u1', email: user.email, name: 'Ada' } });
  });

  it('should refuse a registered email with CONFLICT after hashing, as a new one costs (no timing difference)', async () => {
    users.findByEmail.mockResolvedValue(user);
    await expect(service.register({ email: user.email, password: 'x'.repeat(8), name: 'A' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(hasher.hash).toHaveBeenCalledTimes(1);
    expect(users.create).not.toHaveBeenCalled();
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

  it('should revoke the user’s tokens before ending their chat sockets on logout-all', async () => {
    const order: string[] = [];
    users.bumpTokenVersion.mockImplementation(async () => void order.push('bump'));
    chatSessions.disconnectUser.mockImplementation(async () => void order.push('disconnect'));
    await service.logoutAll('u1');
    expect(users.bumpTokenVersion).toHaveBeenCalledWith('u1');
    expect(chatSessions.disconnectUser).toHaveBeenCalledWith('u1');
    // Sockets cut first could reconnect with the old token before it is revoked.
    expect(order).toEqual(['bump', 'disconnect']);
  });
});
