import { ParseUUIDPipe, PipeTransform } from '@nestjs/common';
import { isUserId, MAX_USER_ID_LENGTH } from '../auth/principal';
import { AppError } from './app-error';

/** Room and message ids are the chat's own UUIDs. */
export const uuidParam = new ParseUUIDPipe({ version: undefined, errorHttpStatusCode: 400 });

/** User ids are the host's: any string of 1..255 characters. */
export const userIdParam: PipeTransform<string, string> = {
  transform(value: string): string {
    if (isUserId(value)) return value;
    const error = `userId must be 1 to ${MAX_USER_ID_LENGTH} characters`;
    throw AppError.validation(error, [{ field: 'userId', errors: [error] }]);
  },
};
