// The namespace harness itself: hosts reach each other over the bridge,
// a pulled link cuts them off, and destroy() leaves no namespace behind.
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../helpers/netns.js';

describe('namespace lab', () => {
  let lab: Lab | undefined;
  afterAll(async () => {
    await lab?.destroy();
  });

  it('connects hosts over a bridge and cleans up after itself', async () => {
    lab = await createLab({ hosts: [{ name: 'a', ip: '10.99.0.1' }, { name: 'b', ip: '10.99.0.2' }] });
    const a = lab.host('a');
    expect(lab.broadcast).toBe('10.99.0.255');
    const ok = await a.exec('ping', ['-c', '1', '-W', '2', '10.99.0.2'], { reject: false });
    expect(ok.exitCode).toBe(0);
    await lab.host('b').setLink(false);
    const cut = await a.exec('ping', ['-c', '1', '-W', '1', '10.99.0.2'], { reject: false });
    expect(cut.exitCode).not.toBe(0);
    const sleeper = lab.host('b').spawn('sleep', ['600']);
    await lab.destroy();
    const r = await sleeper;
    expect(r.signal ?? r.exitCode).toBeTruthy();
    const list = await execa('ip', ['netns', 'list']);
    expect(list.stdout).not.toContain(lab.id);
  });
});
