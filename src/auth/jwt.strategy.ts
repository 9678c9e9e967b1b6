import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config';
import { JWT_ALGORITHM, JWT_CLOCK_TOLERANCE_SECONDS, TokenClaims } from './token.service';

export interface AuthUser {
  id: string;
  email: string;
}

/** HTTP bearer-token authentication; same secret, algorithm and leeway as the socket handshake. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: [JWT_ALGORITHM],
      jsonWebTokenOptions: { clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS },
      ignoreExpiration: false,
    });
  }

  validate(claims: TokenClaims): AuthUser | false {
    if (typeof claims.sub !== 'string' || typeof claims.email !== 'string') return false;
    return { id: claims.sub, email: claims.email };
  }
}
