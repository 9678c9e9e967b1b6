import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsChatId, normalizeChatId } from './chat-id.validator';

const ID = '3f2a7c1e-9b4d-4e8a-a1c2-0d5e6f7a8b9c';

class Ref {
  @IsChatId()
  chatRoomId!: string;
}

describe(IsChatId.name, () => {
  it('should lower-case an upper-case UUID, so the canonical id is what handlers get', () => {
    const dto = plainToInstance(Ref, { chatRoomId: ID.toUpperCase() });
    expect(validateSync(dto)).toEqual([]);
    expect(dto.chatRoomId).toBe(ID);
  });

  it.each([['not-a-uuid'], [42], [`{${ID}}`], [ID.replace(/-/g, '')]])('should refuse %j', (value) => {
    const errors = validateSync(plainToInstance(Ref, { chatRoomId: value }));
    expect(errors.map((e) => Object.values(e.constraints ?? {}))).toEqual([['chatRoomId must be a UUID']]);
  });
});

describe(normalizeChatId.name, () => {
  it('should leave what is not a UUID as it is, for the validators to refuse', () => {
    expect(normalizeChatId('NOT-A-UUID')).toBe('NOT-A-UUID');
    expect(normalizeChatId(7)).toBe(7);
  });
});
