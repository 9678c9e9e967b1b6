import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ChatModuleExtras, ChatModuleOptions } from './chat-options';

export const {
  ConfigurableModuleClass: ConfigurableChatModule,
  MODULE_OPTIONS_TOKEN: CHAT_MODULE_OPTIONS,
  OPTIONS_TYPE: CHAT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CHAT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ChatModuleOptions>({ moduleName: 'Chat' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createChatOptions')
  .setExtras<ChatModuleExtras>(
    { isGlobal: true, namespace: '/chat', http: { enabled: true } },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }),
  )
  .build();
