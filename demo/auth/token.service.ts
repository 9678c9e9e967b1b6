import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';

export interface TokenClaims {
  sub: string;
  email: string;
  /** The user's tokenVersion when issued; a logout-all makes older tokens invalid. */
  ver?: number;
  iat?: number;
  exp?: number;
}

/** Only HS256 is accepted: pinning the algorithm rules out `alg: none` and key-confusion tricks. */
export const JWT_ALGORITHM = 'HS256';

/** Signs and verifies access tokens; shared by HTTP (passport) and the socket handshake. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  /** jsonwebtoken takes a KeyObject; @nestjs/jwt's types only name string | Buffer. */
  private get key(): string {
    return this.config.jwtKey as unknown as string;
  }

  sign(user: { id: string; email: string; tokenVersion: number }): string {
    return this.jwt.sign(
      { sub: user.id, email: user.email, ver: user.tokenVersion },
      { secret: this.key, algorithm: JWT_ALGORITHM, expiresIn: this.config.jwtExpiresInSeconds },
    );
  }

  /** The claims of a valid token, or undefined for anything else (bad, expired, wrong algorithm). */
  verify(token: string): TokenClaims | undefined {
    try {
      const claims = this.jwt.verify<TokenClaims>(token, {
        secret: this.key,
        algorithms: [JWT_ALGORITHM],
        clockTolerance: this.config.jwtClockToleranceSeconds,
      });
      return typeof claims.sub === 'string' && typeof claims.email === 'string' ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
