// ha.cf `stonith_host HOSTFROM TYPE PARAM…` → a Pacemaker fencing device.
// Heartbeat hands the parameter words to the cluster-glue STONITH plugin,
// which takes them in the order of its configuration names (`stonith -t TYPE
// -n`); Pacemaker runs the same plugins as `stonith:TYPE` with those names as
// parameters. The table is the output of `stonith -t TYPE -n` for the plugins
// of Debian's cluster-glue 1.0.12 (a test checks it against that command and
// against `crm_resource --show-metadata stonith:TYPE`).
import type { NameValue } from './model.js';

export const STONITH_PLUGIN_PARAMS: Readonly<Record<string, readonly string[]>> = {
  apcmaster: ['ipaddr', 'login', 'password'],
  apcsmart: ['ttydev', 'hostlist'],
  baytech: ['ipaddr', 'login', 'password'],
  cyclades: ['ipaddr', 'login', 'serialport'],
  drac3: ['host', 'login', 'password'],
  'external/ipmi': ['hostname', 'ipaddr', 'userid', 'passwd', 'interface'],
  'external/libvirt': ['hostlist', 'hypervisor_uri', 'reboot_method'],
  'external/rackpdu': ['hostlist', 'pduip', 'community'],
  'external/riloe': ['hostlist', 'ilo_hostname', 'ilo_user', 'ilo_password', 'ilo_can_reset', 'ilo_protocol', 'ilo_powerdown_method'],
  'external/ssh': ['hostlist'],
  ibmhmc: ['ipaddr'],
  meatware: ['hostlist'],
  null: ['hostlist'],
  nw_rpc100s: ['ttydev', 'hostlist'],
  rcd_serial: ['hostlist', 'ttydev', 'dtr_rts', 'msduration'],
  rps10: ['serial_to_targets'],
  ssh: ['hostlist'],
  wti_nps: ['ipaddr', 'password'],
};

/** Plugins that only pretend to fence: fine for a test cluster, never for data. */
export const TEST_ONLY_PLUGINS: readonly string[] = ['null', 'ssh', 'external/ssh', 'meatware'];

export interface StonithDevice {
  /** `*` = any node may run it. */
  readonly hostFrom: string;
  readonly type: string;
  readonly params: readonly NameValue[];
}

export type StonithResult = { readonly ok: true; readonly device: StonithDevice } | { readonly ok: false; readonly reason: string };

/**
 * Maps one stonith_host line (the words after the directive). More words than
 * the plugin has names go to its last name (a host list of several hosts).
 */
export function mapStonithHost(rest: string): StonithResult {
  const [hostFrom, type, ...words] = rest.trim().split(/\s+/);
  if (hostFrom === undefined || type === undefined) return { ok: false, reason: 'stonith_host needs HOSTFROM TYPE PARAMS' };
  const names = STONITH_PLUGIN_PARAMS[type];
  if (!names) return { ok: false, reason: `no Pacemaker fencing agent is known for the STONITH plugin "${type}"` };
  if (words.length < names.length) {
    return { ok: false, reason: `${type} takes ${names.join(' ')}; the line gives only ${words.length} word(s)` };
  }
  const params = names.map((name, i) => ({
    name,
    value: i === names.length - 1 ? words.slice(i).join(' ') : words[i]!,
  }));
  return { ok: true, device: { hostFrom: hostFrom.toLowerCase(), type, params } };
}
