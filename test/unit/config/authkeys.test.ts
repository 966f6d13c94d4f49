import { describe, expect, it } from 'vitest';
import { checkAuthKeysFile, parseAuthKeys } from '../../../src/config/authkeys.js';
import type { ConfigProblem } from '../../../src/config/types.js';

const parse = (text: string) => parseAuthKeys(text, 'authkeys');
const show = (p: ConfigProblem): string => `${p.severity} ${p.line}: ${p.message}`;

describe('authkeys (spec §4.1, heartbeat/auth.c)', () => {
  it('parses the active index and every key; comments and indentation are skipped', () => {
    const r = parse('# keys\n  auth 2\n1 md5 labsecret\n\t2 sha1 Sha1-Key\n3 crc\n');
    expect(r.problems).toEqual([]);
    expect(r.value?.active).toBe(2);
    expect([...r.value!.keys.values()]).toEqual([
      { index: 1, method: 'md5', secret: 'labsecret' },
      { index: 2, method: 'sha1', secret: 'Sha1-Key' },
      { index: 3, method: 'crc', secret: '' },
    ]);
  });

  it('the key is the first whitespace-delimited word (spec §4.1 [V]: "Sha1-Key with spaces?" uses Sha1-Key)', () => {
    const r = parse('auth 1\n1 sha1 Sha1-Key with spaces?\n');
    expect(r.value?.keys.get(1)?.secret).toBe('Sha1-Key');
    expect(r.problems.map(show)).toEqual([
      'warning 2: only the first word after "sha1" is the key; the 2 words after it are ignored, as in Heartbeat (a key cannot contain blanks)',
    ]);
  });

  it('never quotes a secret in a problem (problems end up in logs)', () => {
    const r = parse('auth 1\n1 sha1 TopSecret with spaces\n2 crc AlsoSecret\n2 sha1 Again\n');
    expect(r.problems.length).toBeGreaterThan(1);
    for (const p of r.problems) expect(`${p.message} ${p.text}`).not.toMatch(/TopSecret|AlsoSecret|Again|with spaces/);
    expect(r.problems.map((p) => p.text)).toContain('1 sha1 <secret hidden>');
  });

  it('accepts indexes 0..15 (MAXAUTH 16) and refuses 16', () => {
    expect(parse('auth 0\n0 sha1 k\n15 md5 k\n').problems).toEqual([]);
    expect(parse('auth 1\n1 sha1 k\n16 md5 k\n').problems.map(show)).toEqual(['error 3: invalid key index 16: must be 0..15']);
    expect(parse('auth 16\n1 sha1 k\n').problems.map(show)).toContain('error 1: auth 16: the index must be 0..15');
  });

  it.each([
    ['auth 1\n1 md5\n', 'error 2: auth method md5 requires a key: write "1 md5 SECRET" (e.g. the output of openssl rand -hex 20)'],
    ['auth 1\n1 sha1\n', 'error 2: auth method sha1 requires a key: write "1 sha1 SECRET" (e.g. the output of openssl rand -hex 20)'],
    ['auth 1\n1 crc secret\n', 'error 2: auth method crc does not use a key: write "N crc" alone'],
    ['auth 1\n1 sha256 secret\n', 'error 2: unknown auth method "sha256": Heartbeat has md5, sha1 and crc'],
    ['auth 2\n1 sha1 k\n', 'error 1: auth 2 names key 2, which is not defined: add a line "2 sha1 SECRET"'],
    ['1 sha1 k\n', 'error 0: no "auth N" line: authkeys must start with one, naming the key that signs outgoing messages'],
    ['auth x\n1 sha1 k\n', 'error 1: invalid auth line: write "auth N" with N the index (0..15) of the key that signs outgoing messages'],
    ['auth 1\nauth 1\n1 sha1 k\n', 'error 2: a second auth line (the first is on line 1): authkeys must have exactly one'],
    ['auth 1\nsha1 k\n', 'error 2: invalid line: expected "N METHOD [KEY]" (e.g. "1 sha1 SECRET") or "auth N"'],
    ['auth 1\n-1 sha1 k\n', 'error 2: invalid key index -1: must be 0..15'],
  ])('%j is refused', (text, message) => {
    const r = parse(text);
    expect(r.problems.map(show)).toContain(message);
    expect(r.value).toBeUndefined();
  });

  it('a key line for the active index before the auth line is not found by Heartbeat (auth.c)', () => {
    expect(parse('1 sha1 k\nauth 1\n').problems.map(show)).toEqual([
      'error 2: key 1 is defined on line 1, before this auth line: Heartbeat then does not find it ("Auth Key [1] not found"); put "auth 1" first',
    ]);
  });

  it('other keys before the auth line only get a warning', () => {
    const r = parse('2 sha1 old\nauth 1\n1 sha1 new\n');
    expect(r.value?.active).toBe(1);
    expect(r.problems.map(show)).toEqual(['warning 2: the auth line should come first, before the key lines']);
  });

  it('a key defined twice: the later line wins, with a warning', () => {
    const r = parse('auth 1\n1 sha1 a\n1 sha1 b\n');
    expect(r.value?.keys.get(1)?.secret).toBe('b');
    expect(r.problems.map(show)).toEqual(['warning 3: key 1 is defined again (first on line 2); this later line wins']);
  });

  it('warns about crc and about the example placeholder, never echoing a secret', () => {
    expect(parse('auth 1\n1 crc\n').problems.map(show)).toEqual([
      'warning 2: crc gives no security, only protection against corrupted packets: use sha1 (or md5) unless the network is physically secure',
    ]);
    const r = parse('auth 1\n1 md5 CHANGE-ME-run-openssl-rand-hex-20\n');
    expect(r.problems.map((p) => p.line)).toEqual([2]);
    expect(r.problems[0]!.text).toBe('');
  });
});

describe('authkeys file mode and owner', () => {
  it('accepts 0600 and 0400 owned by the daemon user; 0602 too (only read bits matter, spec §4.1 [V])', () => {
    for (const mode of [0o100600, 0o100400, 0o100602]) {
      expect(checkAuthKeysFile('/etc/ha.d/authkeys', { mode, uid: 0 }, 0, 'root')).toEqual([]);
    }
  });

  it('refuses group- or world-readable files, saying the fix', () => {
    expect(checkAuthKeysFile('/etc/ha.d/authkeys', { mode: 0o100644, uid: 0 }, 0).map(show)).toEqual([
      'error 0: authkeys is readable by every user (mode 0644); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 /etc/ha.d/authkeys',
    ]);
    expect(checkAuthKeysFile('/etc/ha.d/authkeys', { mode: 0o100640, uid: 0 }, 0).map(show)).toEqual([
      'error 0: authkeys is readable by its group (mode 0640); Heartbeat refuses it too ("Bad permissions on keyfile"): run chmod 600 /etc/ha.d/authkeys',
    ]);
  });

  it('refuses a file owned by another user than the daemon\'s, saying the fix', () => {
    expect(checkAuthKeysFile('/etc/ha.d/authkeys', { mode: 0o100600, uid: 1000 }, 0, 'root').map(show)).toEqual([
      'error 0: authkeys is owned by uid 1000, but heartbeat-ts runs as root (uid 0): run chown root /etc/ha.d/authkeys',
    ]);
  });
});
