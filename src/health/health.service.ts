import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

export type DependencyStatus = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  database: { status: DependencyStatus; kind: string };
  redis: { status: DependencyStatus | 'disabled' };
  uptimeSeconds: number;
}

/** Dependencies beyond the database register a probe here (Redis does, when enabled). */
export interface HealthProbe {
  name: 'redis';
  check(): Promise<boolean>;
}

@Injectable()
export class HealthService {
  private readonly probes: HealthProbe[] = [];

  constructor(private readonly prisma: PrismaService) {}

  register(probe: HealthProbe): void {
    this.probes.push(probe);
  }

  async check(): Promise<HealthReport> {
    const redisProbe = this.probes.find((p) => p.name === 'redis');
    const [databaseUp, redisUp] = await Promise.all([this.prisma.isHealthy(), redisProbe?.check()]);
    const redis: HealthReport['redis'] = { status: redisUp === undefined ? 'disabled' : redisUp ? 'up' : 'down' };
    return {
      status: databaseUp && redisUp !== false ? 'ok' : 'unavailable',
      database: { status: databaseUp ? 'up' : 'down', kind: this.prisma.database.kind },
      redis,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
