/**
 * Applying a TABLE_FEATURES set request: the checked capabilities
 * (table-features.ts) become the pipeline, in one transaction.
 *
 * Tables listed keep their identity and counters and take the new
 * capabilities; tables not listed go; tables listed that did not exist
 * come into being, empty. Flow entries of a table whose capabilities
 * changed, or that went, are removed (OFPRR_DELETE), since they were
 * accepted under other rules; so is any remaining entry whose goto-table
 * target went. Entries of unchanged tables stay.
 */
import { OFPIT, OFPRR } from '../openflow/constants.js';
import type { TableFeatures } from '../openflow/types.js';
import type { Bridge } from './bridge.js';
import type { Txn } from './pipeline.js';
import type { Rule } from './rule.js';
import { sameCaps, type TableCaps } from './table-caps.js';
import { parseTableFeatures } from './table-features.js';
import { FlowTable } from './table.js';

export function applyTableFeatures(b: Bridge, list: readonly TableFeatures[]): unknown {
  const caps = parseTableFeatures(list, b.nTablesMax, b.maxEntries);
  const victims: Rule[] = [];
  const next: FlowTable[] = [];
  const updates: [FlowTable, TableCaps][] = [];
  for (const t of b.pipeline.allTables()) {
    const c = caps.get(t.id);
    if (c !== undefined && sameCaps(t.caps, c)) continue;
    victims.push(...t.rules());
  }
  for (const [id, c] of caps) {
    const old = b.pipeline.table(id);
    const t = old ?? new FlowTable(id, c, b.newClassifier());
    if (old !== undefined && !sameCaps(old.caps, c)) updates.push([old, c]);
    next.push(t);
  }
  // Entries that survive but would jump to a table that is gone.
  const doomed = new Set(victims);
  for (const t of b.pipeline.allTables()) {
    if (!caps.has(t.id)) continue;
    for (const r of t.rules()) {
      if (doomed.has(r)) continue;
      const goto = r.instructions.find((i) => i.type === OFPIT.GOTO_TABLE);
      if (goto !== undefined && goto.type === OFPIT.GOTO_TABLE && !caps.has(goto.table_id)) victims.push(r);
    }
  }
  return b.applyChange((txn: Txn) => {
    for (const r of victims) txn.remove(r, OFPRR.DELETE);
    txn.onCommit(() => {
      for (const [t, c] of updates) t.caps = c;
      b.pipeline.setTables(next);
    });
  });
}
