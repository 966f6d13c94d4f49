// Every behaviour of spec §9 as a scenario file: events in, expected commands
// out (test/fixtures/manager/README.md describes the format).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, ScenarioSyntaxError, words } from './scenario.js';

const DIR = join(import.meta.dirname, '../../fixtures/manager');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.scenario')).sort();

describe('resource manager scenarios (test/fixtures/manager)', () => {
  it('has a scenario for every path of spec §9', () => {
    const required = [
      'startup-both-together-on.bravo', // §9.3 capture
      'startup-both-together-on.alpha',
      'startup-both-together-off',
      'join-stable-peer-on',
      'join-stable-peer-off',
      'alone-after-initdead',
      'legacy-both-start-together', // §9.4
      'legacy-ask-peer-active',
      'legacy-answer-ip-request',
      'legacy-peer-death',
      'standby-all-initiator', // §9.5 capture
      'standby-all-responder',
      'standby-local-initiator',
      'standby-local-responder',
      'standby-foreign-initiator',
      'standby-foreign-responder',
      'hb-takeover-sender',
      'hb-takeover-received-all',
      'hb-takeover-received-local-foreign',
      'hb-takeover-failback-quirk',
      'auto-failback-owner-rejoins',
      'standby-cancelled-no-reply',
      'standby-refused-in-flux',
      'peer-death-with-resources', // §9.6 capture
      'peer-death-held-nothing',
      'peer-death-during-standby',
      'graceful-shutdown', // §9.7 capture
      'peer-shutdone-takeover',
      'shutdown-delayed-until-stable',
      'shutdown-not-settling',
      'failed-start-standby-after-delay',
      'failed-stop-during-standby',
      'failed-stop-during-shutdown',
      'startup-probe-adopt',
      'startup-probe-release',
      'startup-probe-partial-complete', // issue 9 part 2
      'startup-probe-partial-release',
      'startup-probe-partial-alone',
      'partition-heal-milestone', // issue 9 part 5
      'standby-no-other-node',
      'partition-heal',
      'partition-heal-heartbeat-peer',
      'probe-release-and-eligibility',
      'probe-release-no-peer',
    ];
    const present = FILES.map((f) => f.replace(/\.scenario$/, ''));
    expect(required.filter((r) => !present.includes(r))).toEqual([]);
  });

  for (const file of FILES) {
    it(file, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      // Every scenario says which fact it pins.
      expect(text.split('\n').slice(0, 12).join('\n')).toMatch(/spec §\d|issue \d/);
      const sc = parseScenario(file, text);
      expect(sc.steps.length).toBeGreaterThan(0);
      const { problems } = runScenario(sc);
      expect(problems).toEqual([]);
    });
  }
});

describe('scenario format', () => {
  const header = 'config node=alpha nodes=alpha,bravo auto_failback=on\ngroup alpha 10.0.0.1\n';

  it('splits words like a shell, keeping quoted blanks', () => {
    expect(words('log info "a b  c" x="y z" w')).toEqual(['log', 'info', 'a b  c', 'x=y z', 'w']);
  });

  it('names file and line of a bad event', () => {
    expect(() => parseScenario('f.scenario', `${header}@0 fly away\n`)).toThrow(ScenarioSyntaxError);
    expect(() => parseScenario('f.scenario', `${header}@0 fly away\n`)).toThrow('f.scenario:3: unknown event "fly"');
  });

  it('refuses time going backwards and expectations before any event', () => {
    expect(() => parseScenario('f.scenario', `${header}@2 tick\n@1 tick\n`)).toThrow('f.scenario:4: time goes backwards');
    expect(() => parseScenario('f.scenario', `${header}  > start x\n`)).toThrow('f.scenario:3: expectation before any event');
  });

  it('reports a command the manager did not give, and one it gave that was not expected', () => {
    const missing = runScenario(parseScenario('m.scenario', `${header}@0 comm-up bravo\n  > send t=starting\n  > start 10.0.0.1\n`));
    expect(missing.problems.join('\n')).toContain('m.scenario:3');
    const extra = runScenario(parseScenario('x.scenario', `${header}@0 comm-up bravo\n`));
    expect(extra.problems.join('\n')).toContain('> send t=starting');
  });

  it('fails on an unexpected ERROR log and on a wrong assertion', () => {
    const err = runScenario(parseScenario('e.scenario', `${header}@0 comm-up bravo\n  > send t=starting\n@1 recv bravo t=resource rsc_hold=bogus\n`));
    expect(err.problems.join('\n')).toContain('unexpected ERROR log: encode_resources: bad resource type [bogus]');
    const bad = runScenario(parseScenario('a.scenario', `${header}@0 tick\n  ? rscstatus all\n`));
    expect(bad.problems.join('\n')).toContain('a.scenario:4: rscstatus is transition, expected all');
  });
});
