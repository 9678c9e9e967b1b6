import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DemoDatabase } from './demo-database';

@Global()
@Module({
  providers: [
    { provide: DemoDatabase, inject: [AppConfig], useFactory: (config: AppConfig) => DemoDatabase.open(config) },
  ],
  exports: [DemoDatabase],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DemoDatabase) private readonly database: DemoDatabase) {}

  /** After the chat's own shutdown hooks, which may still write (lastSeenAt). */
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
