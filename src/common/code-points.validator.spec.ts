import { validateSync } from 'class-validator';
import { codePointLength, LengthInCodePoints, MaxCodePoints } from './code-points.validator';

const EMOJI = '😀';

class Limited {
  @MaxCodePoints(4000)
  content!: string;

  @LengthInCodePoints(1, 100)
  name!: string;
}

function errorsOf(content: unknown, name: unknown = 'ok'): Record<string, string[]> {
  const dto = Object.assign(new Limited(), { content, name });
  return Object.fromEntries(
    validateSync(dto).map((e) => [e.property, Object.values(e.constraints ?? {})] as [string, string[]]),
  );
}

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    [EMOJI, 1],
    [`${EMOJI}a${EMOJI}`, 3],
    // A lone surrogate counts as one, like [...s].length.
    ['\ud83d', 1],
    ['\ude00\ud83d', 2],
  ])('should count %j as %i', (s, n) => {
    expect(codePointLength(s)).toBe(n);
    expect(codePointLength(s)).toBe([...s].length);
  });
});

describe(MaxCodePoints.name, () => {
  it('should accept 4,000 emoji with a limit of 4,000 and refuse 4,001', () => {
    expect(errorsOf(EMOJI.repeat(4000))).toEqual({});
    expect(errorsOf(EMOJI.repeat(4001))).toEqual({ content: ['content must be at most 4000 characters'] });
  });

  it('should refuse 4,001 ASCII characters and anything that is not a string', () => {
    expect(errorsOf('x'.repeat(4001))).toHaveProperty('content');
    expect(errorsOf(42)).toHaveProperty('content');
  });
});

describe(LengthInCodePoints.name, () => {
  it('should accept 1 to 100 emoji and refuse 0 or 101', () => {
    expect(errorsOf('x', EMOJI)).toEqual({});
    expect(errorsOf('x', EMOJI.repeat(100))).toEqual({});
    expect(errorsOf('x', EMOJI.repeat(101))).toEqual({ name: ['name must be 1 to 100 characters'] });
    expect(errorsOf('x', '')).toEqual({ name: ['name must be 1 to 100 characters'] });
  });
});
