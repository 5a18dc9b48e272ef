/**
 * The dashboard users file (SUPERVISOR_DASHBOARD_USERS_FILE): a JSON array of
 * `{"username", "passwordHash" (bcrypt), "role": "viewer" | "operator"}`. Read once at start; a bad file
 * stops the start with a message naming the file, the entry and what is wrong, so that nobody runs a
 * dashboard whose access rules are not the ones written. Pure: no Node-RED and no file-system import.
 */

export type DashboardRole = 'viewer' | 'operator';

/** viewer: reads every page; operator: reads, and may also send lighting overrides. */
export const DASHBOARD_ROLES: readonly DashboardRole[] = ['viewer', 'operator'];

export interface DashboardUser {
  username: string;
  passwordHash: string;
  role: DashboardRole;
}

/** `$2a$`/`$2b$`/`$2y$`, a cost of 04–31, then 22 characters of salt and 31 of hash (bcrypt's own base64). */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(value: unknown): value is string {
  return typeof value === 'string' && BCRYPT_HASH.test(value);
}

const KNOWN_KEYS = new Set(['username', 'passwordHash', 'role']);

/**
 * Parses and validates the users file's text. `source` names the file in errors. Throws on: bad JSON,
 * not a non-empty array, an entry that is not an object, an unknown property (a typo would otherwise
 * silently drop a field), a missing or empty username, a username with ':' (HTTP Basic cannot carry it)
 * or used twice, a password that is not a bcrypt hash, an unknown role.
 */
export function parseDashboardUsers(text: string, source: string): DashboardUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${source}: must be a JSON array of {"username", "passwordHash", "role"}`);
  if (parsed.length === 0) throw new Error(`${source}: lists no user (nobody could open the dashboard)`);
  const seen = new Set<string>();
  return parsed.map((entry: unknown, index) => {
    const at = `${source}: user #${index + 1}`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${at} is not an object`);
    const fields = entry as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!KNOWN_KEYS.has(key)) throw new Error(`${at} has an unknown property "${key}" (allowed: username, passwordHash, role)`);
    }
    const { username, passwordHash, role } = fields;
    if (typeof username !== 'string' || username.trim() === '') throw new Error(`${at} has no "username"`);
    const name = username.trim();
    if (name.includes(':')) throw new Error(`${at} ("${name}"): a username cannot contain ":"`);
    if (seen.has(name)) throw new Error(`${at}: the username "${name}" is used twice`);
    seen.add(name);
    if (!isBcryptHash(passwordHash)) {
      throw new Error(`${at} ("${name}"): "passwordHash" is not a bcrypt hash ($2b$10$… — make one with npm run hash-password)`);
    }
    if (typeof role !== 'string' || !(DASHBOARD_ROLES as readonly string[]).includes(role)) {
      throw new Error(`${at} ("${name}"): role "${String(role)}" is unknown (allowed: ${DASHBOARD_ROLES.join(', ')})`);
    }
    return { username: name, passwordHash, role: role as DashboardRole };
  });
}
