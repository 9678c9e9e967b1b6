import { isStorableText, unstorableFields } from './storable-text';

describe('isStorableText', () => {
  it.each([
    ['plain text', 'hello'],
    ['an empty string', ''],
    ['emoji (surrogate pairs)', '😀👍🏽'],
    ['other control characters', '\u0001\t\n'],
  ])('should accept %s', (_, s) => {
    expect(isStorableText(s)).toBe(true);
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud83d'],
    ['a lone low surrogate', '\ude00a'],
    ['a pair in the wrong order', '\ude00\ud83d'],
  ])('should refuse %s', (_, s) => {
    expect(isStorableText(s)).toBe(false);
  });
});

describe('unstorableFields', () => {
  it('should name every unstorable string by its path, as validation errors name fields', () => {
    const payload = {
      content: 'fine',
      clientMessageId: 'a\u0000',
      attachments: [{ url: 'https://x.test' }, { url: 'https://x.test', name: '\ud800' }],
      tags: ['ok', '\u0000'],
    };
    expect(unstorableFields(payload)).toEqual(['clientMessageId', 'attachments[1].name', 'tags[1]']);
  });

  it('should name a string payload by the root it is given', () => {
    expect(unstorableFields('\u0000', 'userId')).toEqual(['userId']);
    expect(unstorableFields('fine', 'userId')).toEqual([]);
  });

  it('should ignore numbers, booleans and null', () => {
    expect(unstorableFields({ a: 1, b: true, c: null, d: undefined })).toEqual([]);
  });
});
