// authkeys: how cluster messages are signed (spec §4.1; heartbeat/auth.c).
//
//   auth N            index used to sign outgoing messages
//   N md5  KEY        any listed index verifies incoming messages
//   M sha1 KEY
//   K crc             crc takes no key
//
// `#` starts a comment only at the beginning of a line. The key is the first
// whitespace-delimited word after the method (spec §4.1 [V]). Indexes are
// 0..15 (MAXAUTH 16), as the daemon accepts.
import type { AuthKey, AuthKeysConfig, AuthMethod, ConfigProblem } from './types.js';
import { ProblemList, sortByLine } from './problems.js';

export const MAX_AUTH_INDEX = 15;
export const AUTH_METHODS: readonly AuthMethod[] = ['md5', 'sha1', 'crc'];

/** The placeholder secret of the shipped example (etc/ha.d/authkeys): using it as is gets a warning. */
export const EXAMPLE_PLACEHOLDER_SECRET = 'CHANGE-ME-run-openssl-rand-hex-20';

export interface AuthKeysParseResult {
  /** Present when the file is usable (no error). */
  readonly value?: AuthKeysConfig;
  readonly problems: readonly ConfigProblem[];
}

const WHITESPACE = /[ \t\n\r\f\v]+/;

export function parseAuthKeys(text: string, file: string): AuthKeysParseResult {
  const problems = new ProblemList(file);
  const keys = new Map<number, AuthKey & { line: number }>();
  let active: { index: number; line: number; text: string } | undefined;
  let keyLinesBeforeAuth = 0;
  /** Indexes whose line was refused: "not defined" would only repeat that. */
  const refused = new Set<number>();

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!;
    const bp = raw.replace(/^[ \t\n\r\f]+/, '');
    if (bp === '' || bp.startsWith('#')) continue;
    const shown = raw.trim();

    if (bp.startsWith('a')) {
      const m = /^auth[ \t]+(\S+)[ \t\r]*(.*)$/.exec(bp);
      if (!m || !/^\d+$/.test(m[1]!)) {
        problems.error(line, `invalid auth line: write "auth N" with N the index (0..${MAX_AUTH_INDEX}) of the key that signs outgoing messages`, shown);
        continue;
      }
      const index = Number(m[1]);
      if (index > MAX_AUTH_INDEX) {
        problems.error(line, `auth ${m[1]}: the index must be 0..${MAX_AUTH_INDEX}`, shown);
        continue;
      }
      if (active) {
        problems.error(line, `a second auth line (the first is on line ${active.line}): authkeys must have exactly one`, shown);
        continue;
      }
      if (m[2] !== '') problems.warning(line, `"${m[2]}" after "auth ${index}" is ignored`, shown);
      active = { index, line, text: shown };
      const early = keys.get(index);
      if (early) {
        // auth.c only selects the signing key when its line comes after `auth N`.
        problems.error(
          line,
          `key ${index} is defined on line ${early.line}, before this auth line: Heartbeat then does not find it ("Auth Key [${index}] not found"); put "auth ${index}" first`,
          shown,
        );
      } else if (keyLinesBeforeAuth > 0) {
        problems.warning(line, 'the auth line should come first, before the key lines', shown);
      }
      continue;
    }

    const words = bp.split(WHITESPACE).filter((w) => w !== '');
    const [indexText = '', method, secret, ...ignored] = words;
    // Problems end up in logs: never quote a secret.
    const shownKeyLine = words.length > 2 ? `${indexText} ${method} <secret hidden>` : shown;
    if (method === undefined || !/^[+-]?\d+$/.test(indexText)) {
      problems.error(line, 'invalid line: expected "N METHOD [KEY]" (e.g. "1 sha1 SECRET") or "auth N"', shownKeyLine);
      continue;
    }
    if (!active) keyLinesBeforeAuth += 1;
    const index = Number(indexText);
    if (!/^\d+$/.test(indexText) || index > MAX_AUTH_INDEX) {
      problems.error(line, `invalid key index ${indexText}: must be 0..${MAX_AUTH_INDEX}`, shownKeyLine);
      continue;
    }
    if (!(AUTH_METHODS as readonly string[]).includes(method)) {
      problems.error(line, `unknown auth method "${method}": Heartbeat has md5, sha1 and crc`, shownKeyLine);
      refused.add(index);
      continue;
    }
    const m = method as AuthMethod;
    if (m === 'crc' && secret !== undefined) {
      problems.error(line, 'auth method crc does not use a key: write "N crc" alone', shownKeyLine);
      refused.add(index);
      continue;
    }
    if (m !== 'crc' && secret === undefined) {
      problems.error(line, `auth method ${m} requires a key: write "${index} ${m} SECRET" (e.g. the output of openssl rand -hex 20)`, shownKeyLine);
      refused.add(index);
      continue;
    }
    if (ignored.length > 0) {
      problems.warning(
        line,
        `only the first word after "${method}" is the key; the ${ignored.length} word${ignored.length === 1 ? '' : 's'} after it ${ignored.length === 1 ? 'is' : 'are'} ignored, as in Heartbeat (a key cannot contain blanks)`,
        shownKeyLine,
      );
    }
    const previous = keys.get(index);
    if (previous) problems.warning(line, `key ${index} is defined again (first on line ${previous.line}); this later line wins`, shownKeyLine);
    keys.set(index, { index, method: m, secret: secret ?? '', line });
  }

  if (!active) {
    problems.error(0, `no "auth N" line: authkeys must start with one, naming the key that signs outgoing messages`);
  } else {
    const selected = keys.get(active.index);
    if (!selected && !refused.has(active.index)) {
      problems.error(active.line, `auth ${active.index} names key ${active.index}, which is not defined: add a line "${active.index} sha1 SECRET"`, active.text);
    } else if (selected?.method === 'crc') {
      problems.warning(selected.line, 'crc gives no security, only protection against corrupted packets: use sha1 (or md5) unless the network is physically secure', '');
    } else if (selected?.secret === EXAMPLE_PLACEHOLDER_SECRET) {
      problems.warning(
        selected.line,
        'this is the placeholder secret of the example: generate your own, e.g. ( echo auth 1; echo "1 sha1 $(openssl rand -hex 20)" ) > authkeys',
        '',
      );
    }
  }

  const sorted = sortByLine(problems.items);
  if (!active || sorted.some((p) => p.severity === 'error')) return { problems: sorted };
  const frozenKeys = new Map<number, AuthKey>();
  for (const [index, { method, secret }] of [...keys].sort(([a], [b]) => a - b)) {
    frozenKeys.set(index, { index, method, secret });
  }
  return { value: { file, active: active.index, keys: frozenKeys }, problems: sorted };
}

export interface FileOwnership {
  /** st_mode (permission bits are what matters). */
  readonly mode: number;
  readonly uid: number;
}

/**
 * Heartbeat refuses an authkeys readable by group or others (mode & 044,
 * spec §4.1 [V]: 0600 and 0400 work, 0602 is accepted). heartbeat-ts also
 * wants it owned by the user the daemon runs as, so that nobody else can
 * change the cluster's keys.
 */
export function checkAuthKeysFile(
  file: string,
  stat: FileOwnership,
  daemonUid: number,
  daemonUser?: string,
): ConfigProblem[] {
  const problems = new ProblemList(file);
  const perms = stat.mode & 0o777;
  if ((perms & 0o044) !== 0) {
    problems.error(
      0,
      `authkeys is readable by ${perms & 0o004 ? 'every user' : 'its group'} (mode ${perms.toString(8).padStart(4, '0')}); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 ${file}`,
    );
  }
  if (stat.uid !== daemonUid) {
    const who = daemonUser ?? String(daemonUid);
    problems.error(
      0,
      `authkeys is owned by uid ${stat.uid}, but heartbeat-ts runs as ${daemonUser ? `${daemonUser} (uid ${daemonUid})` : `uid ${daemonUid}`}: run chown ${who} ${file}`,
    );
  }
  return problems.items;
}
