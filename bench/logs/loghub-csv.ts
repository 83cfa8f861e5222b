/**
 * Reading Loghub's structured CSV files (double-quote escaping; messages may
 * hold commas and quotes) and scoring a grouping the way the shared scorer
 * does, so the bench can print figures without a second process.
 */

/** The rows of a CSV text, header included. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** One labelled line: its id, message and true template id. */
export interface LabelledLine { lineId: string; content: string; eventId: string }

/** The labelled lines of a `<System>_2k.log_structured.csv` text, in order. */
export function labelledLines(csv: string): LabelledLine[] {
  const [header, ...rows] = parseCsv(csv);
  const col = (name: string): number => {
    const i = header?.indexOf(name) ?? -1;
    if (i < 0) throw new Error(`structured CSV has no ${name} column`);
    return i;
  };
  const [iLine, iContent, iEvent] = [col('LineId'), col('Content'), col('EventId')];
  return rows.map((r) => ({ lineId: r[iLine]!, content: r[iContent] ?? '', eventId: r[iEvent]! }));
}

/** Grouping accuracy (GA) and F1 grouping accuracy (FGA) of predicted groups against true ones, by line. */
export function groupingAccuracy(truth: readonly string[], predicted: readonly string[]): { ga: number; fga: number } {
  const groups = (ids: readonly string[]): Map<string, number[]> => {
    const g = new Map<string, number[]>();
    ids.forEach((id, line) => (g.get(id) ?? g.set(id, []).get(id)!).push(line));
    return g;
  };
  const trueGroups = groups(truth);
  const predGroups = groups(predicted);
  const trueSets = new Set([...trueGroups.values()].map((lines) => lines.join(' ')));
  let rightLines = 0;
  let rightGroups = 0;
  for (const lines of predGroups.values()) {
    if (trueSets.has(lines.join(' '))) { rightLines += lines.length; rightGroups++; }
  }
  const p = rightGroups / predGroups.size;
  const r = rightGroups / trueGroups.size;
  return { ga: rightLines / truth.length, fga: p + r ? (2 * p * r) / (p + r) : 0 };
}
