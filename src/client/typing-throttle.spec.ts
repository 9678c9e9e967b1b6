import type { TypingPayload } from '../contract/chat.events';
import { TypingThrottle } from './typing-throttle';

describe(TypingThrottle.name, () => {
  let sent: TypingPayload[];
  let online: boolean;
  let throttle: TypingThrottle;

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    online = true;
    throttle = new TypingThrottle(
      (payload) => {
        if (!online) return false;
        sent.push(payload);
        return true;
      },
      3000,
      2000,
    );
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** A key press every 100 ms for `ms`. */
  function typeFor(chatRoomId: string, ms: number): void {
    for (let t = 0; t < ms; t += 100) {
      throttle.typing(chatRoomId);
      jest.advanceTimersByTime(100);
    }
  }

  it('should send isTyping true at most every renewMs while keys keep coming, then false after a pause', () => {
    typeFor('r1', 7000);
    expect(sent).toEqual([
      { chatRoomId: 'r1', isTyping: true },
      { chatRoomId: 'r1', isTyping: true },
      { chatRoomId: 'r1', isTyping: true },
    ]);
    jest.advanceTimersByTime(1899);
    expect(sent).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(sent[3]).toEqual({ chatRoomId: 'r1', isTyping: false });
    jest.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(4);
  });

  it('should throttle each room on its own', () => {
    throttle.typing('r1');
    throttle.typing('r2');
    throttle.typing('r1');
    expect(sent).toEqual([
      { chatRoomId: 'r1', isTyping: true },
      { chatRoomId: 'r2', isTyping: true },
    ]);
  });

  it('should forget the room without a word on clear (a message was sent), and start again on the next key', () => {
    throttle.typing('r1');
    throttle.clear('r1');
    jest.advanceTimersByTime(10_000);
    expect(sent).toEqual([{ chatRoomId: 'r1', isTyping: true }]);
    throttle.typing('r1');
    expect(sent).toEqual([
      { chatRoomId: 'r1', isTyping: true },
      { chatRoomId: 'r1', isTyping: true },
    ]);
  });

  it('should send false on stop only when the indicator is on', () => {
    throttle.stop('r1');
    expect(sent).toEqual([]);
    throttle.typing('r1');
    throttle.stop('r1');
    expect(sent).toEqual([
      { chatRoomId: 'r1', isTyping: true },
      { chatRoomId: 'r1', isTyping: false },
    ]);
  });

  it('should send nothing offline, and try again on the next key', () => {
    online = false;
    throttle.typing('r1');
    jest.advanceTimersByTime(5000);
    expect(sent).toEqual([]);
    online = true;
    throttle.typing('r1');
    expect(sent).toEqual([{ chatRoomId: 'r1', isTyping: true }]);
  });
});
