/**
 * Configuration is read once, at cold start. A missing variable throws there, not on the tenth request.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

/** Parse a JSON environment variable (e.g. a channel map written by CDK with Stack.toJsonString). */
export function jsonEnv<T>(name: string, parse: (value: unknown) => T, env: NodeJS.ProcessEnv = process.env): T {
  const raw = requireEnv(name, env);
  try {
    return parse(JSON.parse(raw));
  } catch (cause) {
    throw new Error(`Environment variable ${name} is not valid: ${String(cause)}`, { cause });
  }
}
