/**
 * Table names in `dump-flows --names` lines.
 *
 * With --names ovs-ofctl prints a table the switch has named by its name,
 * in the flow's `table=` field (which it then shows even for table 0, even
 * with --no-stats) and in `goto_table:`. The printer (lib/cli/print) knows
 * port names but not table names yet, so until it does this module edits
 * its flow lines: it is given each line together with the flow's table id
 * and rewrites only those two places, leaving a line untouched when the
 * switch named none of the tables involved.
 */

const GOTO = /(^| actions=|,)goto_table:(\d+)(?=,|$)/g;

/**
 * `line` (one flow as formatFlowStats prints it, without the leading
 * space) with table names put in.
 */
export function nameTables(line: string, tableId: number, names: ReadonlyMap<number, string>): string {
  if (names.size === 0) return line;
  let s = line;
  const own = names.get(tableId);
  if (own !== undefined) {
    if (/(^|, )table=\d+, /.test(s)) {
      s = s.replace(/(^|, )table=\d+, /, `$1table=${own}, `);
    } else {
      // --no-stats leaves out table 0; a named table is shown all the same, after any cookie.
      const cookie = /^cookie=0x[0-9a-f]+, /.exec(s);
      const at = cookie ? cookie[0].length : 0;
      s = `${s.slice(0, at)}table=${own}, ${s.slice(at)}`;
    }
  }
  const actionsAt = s.lastIndexOf(' actions=');
  if (actionsAt < 0) return s;
  const actions = s.slice(actionsAt).replace(GOTO, (m, lead: string, id: string) => {
    const name = names.get(Number(id));
    return name === undefined ? m : `${lead}goto_table:${name}`;
  });
  return s.slice(0, actionsAt) + actions;
}
