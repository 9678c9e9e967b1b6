import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { isUserId, MAX_USER_ID_LENGTH } from '../auth/principal';
import { AppError } from './app-error';
import { isChatId } from './chat-id.validator';
import { isStorableText, unstorableMessage } from './storable-text';

/** Room and message ids are the chat's own UUIDs: lower-cased, as the DTOs do (see chat-id.validator.ts). */
export const uuidParam: PipeTransform<unknown, string> = {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (isChatId(value)) return value.toLowerCase();
    const field = metadata.data ?? 'id';
    const error = `${field} must be a UUID`;
    throw AppError.validation(error, [{ field, errors: [error] }]);
  },
};

/** User ids are the host's: any string of 1..255 characters that PostgreSQL can store. */
export const userIdParam: PipeTransform<string, string> = {
  transform(value: string, metadata: ArgumentMetadata): string {
    const field = metadata.data ?? 'userId';
    if (!isUserId(value)) {
      const error = `${field} must be 1 to ${MAX_USER_ID_LENGTH} characters`;
      throw AppError.validation(error, [{ field, errors: [error] }]);
    }
    if (!isStorableText(value)) {
      const error = unstorableMessage(field);
      throw AppError.validation(error, [{ field, errors: [error] }]);
    }
    return value;
  },
};
