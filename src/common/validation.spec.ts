import type { ArgumentMetadata } from '@nestjs/common';
import { GetMessagesDto, SendMessageDto } from '../messages/dto/message.dto';
import { AppError } from './app-error';
import { createValidationPipe } from './validation';

const ID = '3f2a7c1e-9b4d-4e8a-a1c2-0d5e6f7a8b9c';
/** What Nest hands the pipe for `@MessageBody()` (WsParamtype.PAYLOAD) and `@ConnectedSocket()`. */
const payload = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata =>
  ({ type: 3, metatype }) as unknown as ArgumentMetadata;
const socketParam = { type: 0, metatype: Object } as unknown as ArgumentMetadata;

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();

  it('should hand the handler the canonical (lower-case) room id', async () => {
    const dto = (await pipe.transform({ chatRoomId: ID.toUpperCase(), content: 'hi' }, payload(SendMessageDto))) as {
      chatRoomId: string;
    };
    expect(dto.chatRoomId).toBe(ID);
  });

  it('should refuse a NUL or a lone surrogate anywhere in the payload, naming the fields, before the DTO rules', async () => {
    const error = await failure(
      pipe.transform(
        {
          chatRoomId: ID,
          content: 'a\u0000',
          attachments: [{ url: 'https://x.test/a.png', name: '\ud800' }],
          unknownField: 'fine',
        },
        payload(SendMessageDto),
      ),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual([
      { field: 'content', errors: ['content must not contain NUL characters or unpaired surrogates'] },
      {
        field: 'attachments[0].name',
        errors: ['attachments[0].name must not contain NUL characters or unpaired surrogates'],
      },
    ]);
  });

  it('should check a plain string parameter under its name', async () => {
    const error = await failure(pipe.transform('a\u0000', { type: 'param', data: 'userId', metatype: String }));
    expect(error.details).toEqual([{ field: 'userId', errors: [expect.any(String)] }]);
  });

  it('should leave parameters that are not payloads (the socket) alone', async () => {
    const socket = { id: 'abc', data: { name: '\u0000' } };
    await expect(pipe.transform(socket, socketParam)).resolves.toBe(socket);
  });

  it.each([
    ['afterSeq', 2 ** 31],
    ['beforeSeq', 2 ** 31],
  ])('should refuse %s past the integer column, naming it', async (field, value) => {
    const error = await failure(pipe.transform({ chatRoomId: ID, [field]: value }, payload(GetMessagesDto)));
    expect(error.details).toEqual([{ field, errors: [`${field} must not be greater than 2147483647`] }]);
  });
});
