import type { CallOptions, ChatCallMethods, ClientEventName, PayloadOf, ResultOf } from './types';

/**
 * One typed method per client event, each `call(event, payload, options)`:
 * it resolves to the ack's `data` and rejects with a ChatError carrying the
 * ack's `code`. Payload and result types come from the contract
 * (`PayloadOf`, `ResultOf`), and `implements` holds the list to it: an event
 * added there and missing here does not compile. ChatClient adds
 * `sendMessage` (kept until acked) and `typing` (throttled).
 */
export abstract class ChatCalls implements Omit<ChatCallMethods, 'sendMessage' | 'typing'> {
  abstract call<E extends ClientEventName>(
    event: E,
    payload: PayloadOf<E>,
    options?: CallOptions,
  ): Promise<ResultOf<E>>;

  createChatRoom(payload: PayloadOf<'createChatRoom'>, options?: CallOptions): Promise<ResultOf<'createChatRoom'>> {
    return this.call('createChatRoom', payload, options);
  }

  joinChatRoom(payload: PayloadOf<'joinChatRoom'>, options?: CallOptions): Promise<ResultOf<'joinChatRoom'>> {
    return this.call('joinChatRoom', payload, options);
  }

  leaveChatRoom(payload: PayloadOf<'leaveChatRoom'>, options?: CallOptions): Promise<ResultOf<'leaveChatRoom'>> {
    return this.call('leaveChatRoom', payload, options);
  }

  addParticipants(payload: PayloadOf<'addParticipants'>, options?: CallOptions): Promise<ResultOf<'addParticipants'>> {
    return this.call('addParticipants', payload, options);
  }

  removeParticipant(
    payload: PayloadOf<'removeParticipant'>,
    options?: CallOptions,
  ): Promise<ResultOf<'removeParticipant'>> {
    return this.call('removeParticipant', payload, options);
  }

  updateChatRoom(payload: PayloadOf<'updateChatRoom'>, options?: CallOptions): Promise<ResultOf<'updateChatRoom'>> {
    return this.call('updateChatRoom', payload, options);
  }

  editMessage(payload: PayloadOf<'editMessage'>, options?: CallOptions): Promise<ResultOf<'editMessage'>> {
    return this.call('editMessage', payload, options);
  }

  deleteMessage(payload: PayloadOf<'deleteMessage'>, options?: CallOptions): Promise<ResultOf<'deleteMessage'>> {
    return this.call('deleteMessage', payload, options);
  }

  getMessages(payload: PayloadOf<'getMessages'>, options?: CallOptions): Promise<ResultOf<'getMessages'>> {
    return this.call('getMessages', payload, options);
  }

  getThread(payload: PayloadOf<'getThread'>, options?: CallOptions): Promise<ResultOf<'getThread'>> {
    return this.call('getThread', payload, options);
  }

  /** The raw `sync` (the client syncs by itself after reconnects and gaps; this delivers nothing to handlers). */
  sync(payload: PayloadOf<'sync'>, options?: CallOptions): Promise<ResultOf<'sync'>> {
    return this.call('sync', payload, options);
  }

  searchMessages(payload: PayloadOf<'searchMessages'>, options?: CallOptions): Promise<ResultOf<'searchMessages'>> {
    return this.call('searchMessages', payload, options);
  }

  getChatRooms(payload: PayloadOf<'getChatRooms'> = {}, options?: CallOptions): Promise<ResultOf<'getChatRooms'>> {
    return this.call('getChatRooms', payload, options);
  }

  getOnlineUsers(
    payload: PayloadOf<'getOnlineUsers'> = {},
    options?: CallOptions,
  ): Promise<ResultOf<'getOnlineUsers'>> {
    return this.call('getOnlineUsers', payload, options);
  }

  markAsDelivered(payload: PayloadOf<'markAsDelivered'>, options?: CallOptions): Promise<ResultOf<'markAsDelivered'>> {
    return this.call('markAsDelivered', payload, options);
  }

  markAsRead(payload: PayloadOf<'markAsRead'>, options?: CallOptions): Promise<ResultOf<'markAsRead'>> {
    return this.call('markAsRead', payload, options);
  }

  markAsUnread(payload: PayloadOf<'markAsUnread'>, options?: CallOptions): Promise<ResultOf<'markAsUnread'>> {
    return this.call('markAsUnread', payload, options);
  }

  muteChatRoom(payload: PayloadOf<'muteChatRoom'>, options?: CallOptions): Promise<ResultOf<'muteChatRoom'>> {
    return this.call('muteChatRoom', payload, options);
  }

  unmuteChatRoom(payload: PayloadOf<'unmuteChatRoom'>, options?: CallOptions): Promise<ResultOf<'unmuteChatRoom'>> {
    return this.call('unmuteChatRoom', payload, options);
  }

  blockUser(payload: PayloadOf<'blockUser'>, options?: CallOptions): Promise<ResultOf<'blockUser'>> {
    return this.call('blockUser', payload, options);
  }

  unblockUser(payload: PayloadOf<'unblockUser'>, options?: CallOptions): Promise<ResultOf<'unblockUser'>> {
    return this.call('unblockUser', payload, options);
  }

  getBlockedUsers(
    payload: PayloadOf<'getBlockedUsers'> = {},
    options?: CallOptions,
  ): Promise<ResultOf<'getBlockedUsers'>> {
    return this.call('getBlockedUsers', payload, options);
  }

  addReaction(payload: PayloadOf<'addReaction'>, options?: CallOptions): Promise<ResultOf<'addReaction'>> {
    return this.call('addReaction', payload, options);
  }

  removeReaction(payload: PayloadOf<'removeReaction'>, options?: CallOptions): Promise<ResultOf<'removeReaction'>> {
    return this.call('removeReaction', payload, options);
  }

  getReactions(payload: PayloadOf<'getReactions'>, options?: CallOptions): Promise<ResultOf<'getReactions'>> {
    return this.call('getReactions', payload, options);
  }

  pinMessage(payload: PayloadOf<'pinMessage'>, options?: CallOptions): Promise<ResultOf<'pinMessage'>> {
    return this.call('pinMessage', payload, options);
  }

  unpinMessage(payload: PayloadOf<'unpinMessage'>, options?: CallOptions): Promise<ResultOf<'unpinMessage'>> {
    return this.call('unpinMessage', payload, options);
  }

  getPinnedMessages(
    payload: PayloadOf<'getPinnedMessages'>,
    options?: CallOptions,
  ): Promise<ResultOf<'getPinnedMessages'>> {
    return this.call('getPinnedMessages', payload, options);
  }
}
