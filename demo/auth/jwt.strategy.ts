import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import { JWT_ALGORITHM, TokenClaims } from './token.service';

export interface AuthUser {
  id: string;
  email: string;
}

/** HTTP bearer-token authentication; same secret, algorithm and leeway as the socket handshake. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject (see AppConfig.jwtKey); passport-jwt hands it to jsonwebtoken as is.
      secretOrKey: config.jwtKey as unknown as string,
      algorithms: [JWT_ALGORITHM],
      jsonWebTokenOptions: { clockTolerance: config.jwtClockToleranceSeconds },
      ignoreExpiration: false,
    });
  }

  /** The token must name an existing user and carry their current token version (no logout-all since). */
  async validate(claims: TokenClaims): Promise<AuthUser | false> {
    if (typeof claims.sub !== 'string' || typeof claims.email !== 'string') return false;
    const version = await this.users.tokenVersion(claims.sub);
    if (version === undefined || (claims.ver ?? 0) !== version) return false;
    return { id: claims.sub, email: claims.email };
  }
}
