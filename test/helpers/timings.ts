/**
 * The chat's delays as the e2e test app sets them (test-app.ts), and how long
 * an assertion that an event did NOT arrive waits because of them.
 */

/** `presence.announceMs` of the test app: a `userStatus` goes out up to this long after the change. */
export const TEST_PRESENCE_ANNOUNCE_MS = 50;

/**
 * What `recordNone(…).verify()` waits after its round trip: three times the
 * longest batching interval of the test app, so an event the action causes
 * later than its ack (a batched `userStatus`, a disconnect handled after the
 * client let go) has arrived by then if it was sent at all. The other timers
 * of the chat do not delay broadcasts: typing, receipts, messages and
 * notifications are sent before the ack of the event that causes them.
 */
export const NEGATIVE_WAIT_MS = 3 * TEST_PRESENCE_ANNOUNCE_MS;
