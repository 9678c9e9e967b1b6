/** `:short_code:` names: letters, digits, `_`, `+`, `-`; at most 64 characters with the colons. */
export const MAX_SHORT_CODE_LENGTH = 64;
const SHORT_CODE = /^:[A-Za-z0-9_+-]+:$/;

/** A grapheme that is shown as an emoji: a pictograph, or a keycap, or a flag (regional indicator pair). */
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Emoji_Presentation}/u;
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/u;
const FLAG = /^\p{Regional_Indicator}{2}$/u;
const REGIONAL_INDICATOR = /\p{Regional_Indicator}/u;
/** Grapheme clusters are unbounded (combining marks); no real emoji sequence comes near this. */
const MAX_EMOJI_CODE_UNITS = 64;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Whether `value` is one reaction: exactly one emoji grapheme (a ZWJ family,
 * a skin-tone modifier, a keycap or a flag is one), or a `:short_code:` for
 * a host's custom emoji. Plain letters, digits, symbols like `#` and two
 * emoji are refused.
 */
export function isReactionEmoji(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (value.startsWith(':')) return value.length <= MAX_SHORT_CODE_LENGTH && SHORT_CODE.test(value);
  if (value.length > MAX_EMOJI_CODE_UNITS) return false;
  const segments = [...graphemes.segment(value)];
  if (segments.length !== 1) return false;
  if (KEYCAP.test(value) || FLAG.test(value)) return true;
  // A lone regional indicator is a letter waiting for its pair, not a flag.
  return !REGIONAL_INDICATOR.test(value) && PICTOGRAPHIC.test(value);
}

export const REACTION_EMOJI_RULE = `emoji must be one emoji or a :short_code: of at most ${MAX_SHORT_CODE_LENGTH} characters (letters, digits, _ + -)`;
