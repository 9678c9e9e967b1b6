/**
 * OpenAPI annotations for the chat's REST routes and DTOs, from
 * `@nestjs/swagger` when the host has it (its /docs then describe the chat
 * routes fully) and no-ops otherwise: swagger is an optional peer, never a
 * requirement of the library.
 */
type Decorator = (...args: unknown[]) => ClassDecorator & MethodDecorator & PropertyDecorator;
type Swagger = Record<'ApiBearerAuth' | 'ApiOkResponse' | 'ApiProperty' | 'ApiPropertyOptional' | 'ApiTags', Decorator>;

function load(): Partial<Swagger> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@nestjs/swagger') as Swagger;
  } catch {
    return {};
  }
}

const swagger = load();
const noop: Decorator = () => () => undefined;

export const ApiBearerAuth = swagger.ApiBearerAuth ?? noop;
export const ApiOkResponse = swagger.ApiOkResponse ?? noop;
export const ApiProperty = swagger.ApiProperty ?? noop;
export const ApiPropertyOptional = swagger.ApiPropertyOptional ?? noop;
export const ApiTags = swagger.ApiTags ?? noop;
