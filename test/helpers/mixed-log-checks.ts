// What the real Heartbeat 3.0.6 node of a mixed cluster must NOT say about
// its heartbeat-ts peer during a normal run (issue 5): complaints about
// packets (spec §4.5, §5.1), replays (§7.1) and the standby protocol (§9.5).
// Pure: the tests pass the log text.

/** Lines that would mean heartbeat-ts broke the wire or the resource protocol. */
export const REAL_LOG_COMPLAINTS: ReadonlyArray<readonly [string, RegExp]> = [
  ['bad packet (spec §5.1)', /bad packet/i],
  ['authentication (spec §4.5)', /authenticat/i],
  ['replay (spec §7.1)', /replay/i],
  ['ignored standby message (spec §9.5)', /Ignored standby message/i],
  ['resources in flux (spec §9.5)', /in flux/i],
];

/**
 * Lines that match a complaint above, or are ERROR/CRIT, but that the real
 * daemon writes by itself in these scenarios, whoever its peer is.
 */
export const REAL_LOG_OWN_LINES: ReadonlyArray<readonly [string, RegExp]> = [
  // Every start on this machine: RLIMIT_MEMLOCK cannot be raised (real-heartbeat.ts header); it runs unlocked.
  ['mlockall refused by the host', /ERROR: Cannot lock ourselves into memory/],
];

/**
 * Every complaint line of the real node's log, with its reason: the
 * patterns above, and any ERROR or CRIT line (the real daemon's AuditResources
 * says "ERROR: Both machines own … resources!" when a peer's rsc_hold
 * contradicts its own, hb_resource.c AuditResources).
 */
export function realLogProblems(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const hit = REAL_LOG_COMPLAINTS.find(([, re]) => re.test(line)) ?? (/\b(ERROR|CRIT):/.test(line) ? (['ERROR/CRIT line', /./] as const) : undefined);
    if (!hit) continue;
    if (REAL_LOG_OWN_LINES.some(([, re]) => re.test(line))) continue;
    out.push(`${hit[0]}: ${line}`);
  }
  return out;
}

/**
 * ERROR lines heartbeat-ts may write in these scenarios where Heartbeat stays
 * silent. None any more: a peer's `starting`/`resource` arriving before our
 * comm is up (the real daemon sends `starting` before answering our reqnodes)
 * is dropped by both, and ours now logs it at info, since Heartbeat drops it
 * unseen (hb_resource.c registers those callbacks at comm up).
 */
export const OUR_KNOWN_ERROR_LINES: readonly RegExp[] = [];

/** ERROR / CRIT lines of heartbeat-ts's log, except the known ones above. */
export function ourErrorLines(text: string): string[] {
  return text.split('\n').filter((l) => /\b(ERROR|CRIT)\b/.test(l) && !OUR_KNOWN_ERROR_LINES.some((re) => re.test(l)));
}
