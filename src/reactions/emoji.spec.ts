import { isReactionEmoji } from './emoji';

describe(isReactionEmoji.name, () => {
  it.each([
    ['a simple emoji', '👍'],
    ['a text-default pictograph', '❤'],
    ['a pictograph with variation selector', '❤️'],
    ['a skin-tone modifier sequence', '👍🏽'],
    ['a ZWJ family', '👨‍👩‍👧‍👦'],
    ['a ZWJ profession with skin tone', '🧑🏿‍🚀'],
    ['a keycap', '1️⃣'],
    ['a keycap without variation selector', '#⃣'],
    ['a flag', '🇫🇷'],
    ['a subdivision flag (tag sequence)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a short code', ':party_parrot:'],
    ['a short code with + and -', ':+1:'],
    ['a short code of 64 characters', `:${'a'.repeat(62)}:`],
  ])('should accept %s', (_what, value) => {
    expect(isReactionEmoji(value)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['a letter', 'a'],
    ['a digit', '1'],
    ['a bare #', '#'],
    ['a word', 'like'],
    ['two emoji', '👍👍'],
    ['two different emoji', '👍🎉'],
    ['an emoji and a letter', '👍a'],
    ['an emoji with a space', '👍 '],
    ['a single regional indicator and a letter', '🇫a'],
    ['a lone regional indicator', '🇫'],
    ['three regional indicators (a flag and a half)', '🇫🇷🇩'],
    ['a short code of 65 characters', `:${'a'.repeat(63)}:`],
    ['a short code with a space', ':party parrot:'],
    ['a short code with a dot', ':a.b:'],
    ['an empty short code', '::'],
    ['an unclosed short code', ':smile'],
    ['a non-string', 42],
    ['an emoji with piled-up combining marks', `👍${'\u0301'.repeat(80)}`],
  ])('should refuse %s', (_what, value) => {
    expect(isReactionEmoji(value)).toBe(false);
  });
});
