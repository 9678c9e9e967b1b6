import { Injectable } from '@nestjs/common';
import { AppError, ChatSessionsService, ErrorCode } from 'nest-chat-gateway';
import { PublicUser, toPublicUser, UsersService } from '../users/users.service';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

export interface AuthResult {
  accessToken: string;
  user: PublicUser;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly chatSessions: ChatSessionsService,
  ) {}

  async register(dto: RegisterDto): Promise<AuthResult> {
    // Hashed before the lookup: a taken email costs the same argon2 hash as a new one, so timing tells nothing.
    const passwordHash = await this.hasher.hash(dto.password);
    if (await this.users.findByEmail(dto.email)) throw AppError.conflict('Email is already registered');
    const user = await this.users.create({ email: dto.email, name: dto.name, passwordHash });
    return this.issue(user);
  }

  async login(dto: LoginDto): Promise<AuthResult> {
    const user = await this.users.findByEmail(dto.email);
    const ok = await this.hasher.verify(user?.passwordHash, dto.password);
    if (!user || !ok) throw new AppError(ErrorCode.UNAUTHORIZED, 'Invalid email or password');
    return this.issue(user);
  }

  async me(userId: string): Promise<PublicUser> {
    const user = await this.users.findById(userId);
    // The token outlived its user: treat as unauthenticated rather than "not found".
    if (!user) throw new AppError(ErrorCode.UNAUTHORIZED, 'Unauthorized');
    return toPublicUser(user);
  }

  /** Revokes every token of the user (they must log in again) and ends their sockets on every node. */
  async logoutAll(userId: string): Promise<void> {
    await this.users.bumpTokenVersion(userId);
    await this.chatSessions.disconnectUser(userId);
  }

  private issue(user: PublicUser & { tokenVersion: number }): AuthResult {
    return { accessToken: this.tokens.sign(user), user: toPublicUser(user) };
  }
}
