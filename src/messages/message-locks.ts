import { Injectable } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { AdvisoryLock } from '../persistence/advisory-lock';

/**
 * The locks that serialize a message's reactions and a room's pins with
 * each other and with deleting the message: a count and the insert after it
 * (the caps), and a deletion that clears reactions and pins, never interleave.
 * Lock order when both are taken: the room's pins, then the message's reactions.
 */
@Injectable()
export class MessageLocks {
  /** Per message. */
  readonly reactions: AdvisoryLock;
  /** Per room. */
  readonly pins: AdvisoryLock;

  constructor(config: ChatConfig) {
    this.reactions = new AdvisoryLock(config.schema, 'message-reactions');
    this.pins = new AdvisoryLock(config.schema, 'room-pins');
  }
}
