// The manager's messages, field for field, against packets captured from the
// real daemon (shared/spec/vectors, spec §3.4 item 1: the creator's fields come
// first, then src/srcuuid/seq/hg/ts/ld/ttl/auth), and toClusterMessage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Field, HbMessage } from '../../../src/heartbeat/wire/message.js';
import { messageOf } from '../../../src/heartbeat/wire/message.js';
import { toClusterMessage } from '../../../src/resources/manager/index.js';
import {
  askResourcesMessage,
  hbTakeoverMessage,
  ipRequestMessage,
  ipRequestRespMessage,
  machDownMessage,
  resourceMessage,
  shutdoneMessage,
  startingMessage,
  stonithMessage,
} from '../../../src/resources/manager/cluster-message.js';

// Copies of shared/spec/vectors kept in the repository.
const VECTORS = join(import.meta.dirname, '../../fixtures/vectors');

/** The fields of a captured netstring message (spec §3.2), just enough of the format for this test. */
function capturedFields(file: string): Field[] {
  const text = readFileSync(join(VECTORS, file), 'utf8');
  const hex = /^udp_payload_hex: ([0-9a-f]+)$/m.exec(text)?.[1];
  if (hex === undefined) throw new Error(`${file}: no udp_payload_hex`);
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.subarray(0, 4).toString('latin1') !== '###\n') throw new Error(`${file}: not a netstring message`);
  const fields: Field[] = [];
  let i = 4;
  while (bytes.subarray(i, i + 4).toString('latin1') !== '%%%\n') {
    const colon = bytes.indexOf(0x3a, i);
    const len = Number(bytes.subarray(i, colon).toString('latin1'));
    const body = bytes.subarray(colon + 1, colon + 1 + len);
    const type = Number(body.subarray(1, 2).toString('latin1'));
    const eq = body.indexOf(0x3d);
    const name = body.subarray(3, eq).toString('latin1');
    const value = body.subarray(eq + 1);
    fields.push(type === 1 ? { name, type: 1, value: new Uint8Array(value) } : { name, type: 0, value: value.toString('latin1') });
    i = colon + 1 + len + 1;
  }
  return fields;
}

/** The fields the message's creator added: everything before `src` (spec §3.4). */
function creatorFields(fields: readonly Field[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of fields) {
    if (f.name === 'src') break;
    out.push([f.name, f.type === 0 ? f.value : '?']);
  }
  return out;
}

describe('messages the manager creates, against captured packets (spec §3.4, §12.4)', () => {
  it('t=starting (vector 02)', () => {
    expect(startingMessage().fields).toEqual(creatorFields(capturedFields('02-starting-md5.txt')));
  });
  it('t=resource … isstable=1 info=req_our_resources() (vector 03)', () => {
    expect(resourceMessage('local', true, 'req_our_resources()').fields).toEqual(creatorFields(capturedFields('03-resource-stable-md5.txt')));
  });
  it('t=ask_resources rsc_hold=all info=me (vector 04)', () => {
    expect(askResourcesMessage('all', 'me').fields).toEqual(creatorFields(capturedFields('04-ask-resources-standby-md5.txt')));
  });
  it('t=resource rsc_hold=foreign info=mach_down, without rtype or isstable (vector 05)', () => {
    expect(machDownMessage().fields).toEqual(creatorFields(capturedFields('05-mach-down-sha1.txt')));
  });
  it('the others, in the order of the scripts and code that create them (spec §9.4, §9.6, §9.7)', () => {
    expect(ipRequestRespMessage('bravo', '10.77.0.200', true)).toEqual({
      fields: [['t', 'ip-request-resp'], ['dest', 'bravo'], ['ipaddr', '10.77.0.200'], ['weown', 'yes'], ['ok', 'OK']],
      dest: 'bravo',
    });
    expect(ipRequestMessage('10.77.0.100').fields).toEqual([['t', 'ip-request'], ['ipaddr', '10.77.0.100']]);
    expect(stonithMessage('alpha', 'n_stnth').fields).toEqual([['t', 'stonith'], ['node', 'alpha'], ['result', 'n_stnth']]);
    expect(shutdoneMessage().fields).toEqual([['t', 'shutdone'], ['st', 'dead']]);
    expect(hbTakeoverMessage('failback').fields).toEqual([['t', 'hb_takeover'], ['rsc_hold', 'failback']]);
    expect(resourceMessage('none', false, 'shutdown').fields).toEqual([['t', 'resource'], ['rsc_hold', 'none'], ['rtype', 'full'], ['isstable', '0'], ['info', 'shutdown']]);
  });
});

describe('toClusterMessage', () => {
  it('reads a captured resource message', () => {
    const msg: HbMessage = { fields: capturedFields('03-resource-stable-md5.txt') };
    expect(toClusterMessage(msg)).toEqual({
      ok: true,
      message: { t: 'resource', src: 'bravo', rsc_hold: 'local', rtype: 'full', isstable: '1', info: 'req_our_resources()' },
    });
  });
  it('reads the ip-request fields, lower-casing node names', () => {
    const r = toClusterMessage(messageOf([['t', 'ip-request-resp'], ['dest', 'Alpha'], ['ipaddr', '10.0.0.1'], ['weown', 'yes'], ['ok', 'OK'], ['src', 'BRAVO']]));
    expect(r).toEqual({ ok: true, message: { t: 'ip-request-resp', src: 'bravo', dest: 'alpha', ipaddr: '10.0.0.1', weown: 'yes', ok: 'OK' } });
  });
  it('says what is missing', () => {
    expect(toClusterMessage(messageOf([['src', 'bravo']]))).toEqual({ ok: false, error: 'cluster message without a t (type) field' });
    expect(toClusterMessage(messageOf([['t', 'resource']]))).toEqual({ ok: false, error: 'cluster message t=resource without a src field' });
  });
  it('takes the first of repeated fields and ignores binary ones', () => {
    const msg: HbMessage = {
      fields: [
        { name: 't', type: 0, value: 'resource' },
        { name: 'rsc_hold', type: 0, value: 'all' },
        { name: 'rsc_hold', type: 0, value: 'none' },
        { name: 'info', type: 1, value: new Uint8Array([1]) },
        { name: 'src', type: 0, value: 'bravo' },
      ],
    };
    expect(toClusterMessage(msg)).toEqual({ ok: true, message: { t: 'resource', src: 'bravo', rsc_hold: 'all' } });
  });
});
