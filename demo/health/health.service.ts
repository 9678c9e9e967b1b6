import { Injectable } from '@nestjs/common';
import { ChatHealthService, type ChatHealth } from 'nest-chat-gateway';

export interface HealthReport extends ChatHealth {
  uptimeSeconds: number;
}

/** The demo's health: its database is the chat's, so the chat's own check covers it, and Redis. */
@Injectable()
export class HealthService {
  constructor(private readonly chat: ChatHealthService) {}

  async check(): Promise<HealthReport> {
    return { ...(await this.chat.check()), uptimeSeconds: Math.round(process.uptime()) };
  }
}
