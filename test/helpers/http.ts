/** Minimal JSON-over-fetch client for the REST API. */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (e.g. the HTML tester page); keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface RegisteredUser {
  token: string;
  user: { id: string; email: string; name: string };
  password: string;
}

let counter = 0;

/** Registers a new user with a unique email and returns its token. */
export async function registerUser(baseUrl: string, name = 'user'): Promise<RegisteredUser> {
  counter += 1;
  const email = `${name.toLowerCase().replace(/[^a-z0-9]/g, '')}-${process.pid}-${Date.now()}-${counter}@example.test`;
  const password = 'correct horse battery';
  const res = await http(baseUrl, 'POST', '/auth/register', { body: { email, password, name } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.accessToken, user: res.body.user, password };
}
