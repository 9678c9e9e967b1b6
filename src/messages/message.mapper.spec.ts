import { EXCERPT_LENGTH, excerpt, threadSummary, toReplyPreview } from './message.mapper';

describe('excerpt', () => {
  it('should keep a short text whole, with its whitespace runs made single spaces', () => {
    expect(excerpt('  hello \n\n world  ')).toBe('hello world');
    expect(excerpt('x'.repeat(EXCERPT_LENGTH))).toBe('x'.repeat(EXCERPT_LENGTH));
  });

  it('should cut a long text after its last whole word, with an ellipsis, within the length', () => {
    const text = `${'word '.repeat(30)}end`;
    const cut = excerpt(text);
    expect(cut.endsWith('word…')).toBe(true);
    expect(Array.from(cut).length).toBeLessThanOrEqual(EXCERPT_LENGTH);
  });

  it('should cut a text without spaces mid-word, never between the halves of a surrogate pair', () => {
    const cut = excerpt('😀'.repeat(150));
    expect(cut).toBe(`${'😀'.repeat(EXCERPT_LENGTH - 1)}…`);
  });
});

describe('toReplyPreview', () => {
  it('should show no words of a deleted message', () => {
    const quoted = { id: 'q', senderId: 'b', content: 'secret', deletedAt: new Date() };
    expect(toReplyPreview(quoted)).toEqual({ id: 'q', senderId: 'b', excerpt: '', deleted: true });
  });
});

describe('threadSummary', () => {
  it('should be null until a root has replies, and say how many after', () => {
    expect(threadSummary({ threadReplyCount: 0, threadLastReplyAt: null, threadParticipantIds: [] })).toBeNull();
    const at = new Date(Date.UTC(2026, 0, 1));
    expect(threadSummary({ threadReplyCount: 2, threadLastReplyAt: at, threadParticipantIds: ['a'] })).toEqual({
      replyCount: 2,
      lastReplyAt: at.toISOString(),
      participantIds: ['a'],
    });
  });
});
