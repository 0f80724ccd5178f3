/**
 * Text for `ofproto/trace`: a rule as Open vSwitch's trace shows it
 * (`ip,in_port=1, priority 32768, cookie 0x5`) and an action in
 * ovs-ofctl's syntax, through lib/cli/print (lenient: our own actions,
 * including those Open vSwitch lacks, always print).
 */
import { formatAction } from '../cli/print/actions.js';
import { formatOvsMatch } from '../cli/print/flow-match.js';
import { ovsMatchFromOxm } from '../cli/print/oxm-match.js';
import type { Rule } from '../ofproto/rule.js';
import { OFP_DEFAULT_PRIORITY } from '../openflow/constants.js';
import type { Action } from '../openflow/types.js';

export function ruleLine(rule: Rule): string {
  const m = formatOvsMatch(ovsMatchFromOxm(rule.match, false), OFP_DEFAULT_PRIORITY).replace(/,$/, '');
  const cookie = rule.cookie === 0n ? '' : `, cookie 0x${rule.cookie.toString(16)}`;
  return `${m === '' ? '' : `${m}, `}priority ${rule.priority}${cookie}`;
}

export function actionText(a: Action): string {
  return formatAction(a, { strict: false });
}
