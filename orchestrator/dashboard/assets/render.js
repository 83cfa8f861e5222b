/**
 * Pure rendering helpers of the dashboard: data in, element descriptions out.
 * Shared by the page (app.js turns the descriptions into DOM nodes) and the
 * unit tests (which read them with `textOf` and `toHtml`). No DOM, no I/O.
 * The markup and formatting helpers they are built from are in markup.js,
 * and exported here too, so the page and the tests have one module to read.
 */
import { h, escapeHtml, toHtml, textOf, safeUrl, clock, dateTime, toMs, shortCommit, num, formatValue } from './markup.js';

import { actionMarkers, chart } from './chart.js';

export { h, escapeHtml, toHtml, textOf, safeUrl, clock, dateTime, toMs, shortCommit, num, formatValue, actionMarkers, chart };

// --- a run's diff, like `pulumi preview --diff` --------------------------------

/** The sign `pulumi preview` puts before each operation. */
export const OP_SIGN = { create: '+', update: '~', replace: '+-', delete: '-', same: ' ', read: '>', refresh: '~', import: '=' };

/** The order of the counts line, as the CLI prints it. */
const COUNT_ORDER = ['create', 'update', 'replace', 'delete', 'read', 'refresh', 'import'];

/** One property diff: `~ capacity: 2 => 4`, `+ tags.owner: "ops"`, `- size: 3`. */
export function changeLine(c) {
  const tail = c.replace ? ' [forces replacement]' : '';
  if (c.kind === 'add') return `+ ${c.path}: ${formatValue(c.new)}${tail}`;
  if (c.kind === 'delete') return `- ${c.path}: ${formatValue(c.old)}${tail}`;
  return `~ ${c.path}: ${formatValue(c.old)} => ${formatValue(c.new)}${tail}`;
}

/**
 * The lines of a run summary's diff, unchanged resources left out:
 * `{ op, level: 0, text: '~ update  <type>  <name>' }` per resource, then
 * `{ op: <change kind>, level: 1, text: changeLine(c) }` per property.
 */
export function diffLines(summary) {
  const lines = [];
  for (const r of summary?.resources ?? []) {
    if (r.op === 'same') continue;
    lines.push({ op: r.op, level: 0, text: `${OP_SIGN[r.op] ?? '?'} ${r.op}  ${r.type}  ${r.name}` });
    for (const c of r.changes ?? []) lines.push({ op: c.kind, level: 1, text: changeLine(c) });
  }
  return lines;
}

/** `['~ 1 to update', '+ 1 to create', '2 changes. 3 unchanged']`, as the CLI's Resources block. */
export function countLines(counts) {
  const c = counts ?? {};
  const lines = COUNT_ORDER.filter((op) => (c[op] ?? 0) > 0).map((op) => `${OP_SIGN[op]} ${c[op]} to ${op}`);
  const changes = COUNT_ORDER.reduce((sum, op) => sum + (c[op] ?? 0), 0);
  const same = c.same ?? 0;
  lines.push(changes === 0 ? `no changes${same ? `. ${same} unchanged` : ''}` : `${changes} change${changes === 1 ? '' : 's'}${same ? `. ${same} unchanged` : ''}`);
  return lines;
}

/** `1 create, 1 update`, for a table cell; `-` when nothing changes. */
export function countsShort(counts) {
  const c = counts ?? {};
  return COUNT_ORDER.filter((op) => (c[op] ?? 0) > 0).map((op) => `${c[op]} ${op}`).join(', ') || '-';
}

/** A run summary as a preview: resource and property lines, the Resources block, policy violations, errors and outputs. */
export function diffView(summary, title) {
  if (!summary) return h('p', { class: 'muted' }, `no ${title ?? 'summary'} recorded`);
  const lines = diffLines(summary);
  const outputs = Object.entries(summary.outputs ?? {});
  return h(
    'div',
    { class: 'diff-view' },
    title ? h('h4', {}, title) : null,
    h(
      'pre',
      { class: 'diff' },
      lines.length === 0 ? h('span', { class: 'muted' }, 'no resource changes\n') : null,
      lines.map((l) => h('span', { class: `line op-${l.op} level-${l.level}` }, `${'    '.repeat(l.level)}${l.text}\n`)),
      h('span', { class: 'line counts-head' }, 'Resources:\n'),
      countLines(summary.counts).map((l) => h('span', { class: 'line counts' }, `    ${l}\n`)),
    ),
    summary.policyViolations?.length
      ? h(
          'div',
          { class: 'violations' },
          h('h4', {}, 'Policy violations'),
          h(
            'ul',
            {},
            summary.policyViolations.map((v) =>
              h('li', { class: `violation level-${v.level}` }, `[${v.level}] ${v.policyPack}@${v.policyPackVersion} ${v.policy}: ${v.message}${v.urn ? ` (${v.urn.slice(v.urn.lastIndexOf('::') + 2)})` : ''}`),
            ),
          ),
        )
      : null,
    summary.errors?.length ? h('div', { class: 'errors' }, h('h4', {}, 'Errors'), h('pre', { class: 'log' }, summary.errors.join('\n'))) : null,
    outputs.length ? h('div', { class: 'outputs' }, h('h4', {}, 'Outputs'), h('pre', {}, outputs.map(([k, v]) => `${k}: ${formatValue(v)}\n`))) : null,
  );
}

// --- tables --------------------------------------------------------------------

/** A message where a section's API answered 404 or failed. */
export function unavailable(what, detail) {
  return h('p', { class: 'unavailable' }, `${what} not available${detail ? ` (${detail})` : ''}`);
}

function table(head, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))), h('tbody', {}, rows));
}

/** Which of the three conditions describes the stack now, for a badge. */
export function stackState(status) {
  const c = status.conditions;
  if (c.Stalled.status) return { label: 'Stalled', cls: 'bad', reason: c.Stalled.reason, message: c.Stalled.message };
  if (c.Reconciling.status) return { label: 'Reconciling', cls: 'busy', reason: c.Reconciling.reason, message: c.Reconciling.message };
  if (c.Ready.status) return { label: 'Ready', cls: 'good', reason: c.Ready.reason, message: c.Ready.message };
  return { label: 'Not ready', cls: 'warn', reason: c.Ready.reason, message: c.Ready.message };
}

export function stacksTable(stacks) {
  return table(
    ['Stack', 'Applied commit', 'Observed commit', 'Status', 'Reason', 'Message'],
    stacks.map((s) => {
      const st = stackState(s);
      return h(
        'tr',
        { 'data-stack': s.stackKey },
        h('td', {}, h('a', { href: stackHref(s.stackKey), class: 'stack-link' }, s.stackKey)),
        h('td', { class: 'mono', title: s.appliedCommit ?? '' }, shortCommit(s.appliedCommit)),
        h('td', { class: 'mono', title: s.observedCommit ?? '' }, shortCommit(s.observedCommit)),
        h('td', {}, h('span', { class: `badge ${st.cls}` }, st.label)),
        h('td', {}, st.reason),
        h('td', {}, st.message),
      );
    }),
    'no stacks yet',
  );
}

export function runsTable(runs, selectedId) {
  return table(
    ['Run', 'Stack', 'Commit', 'Trigger', 'Kind', 'Status', 'Changes', 'When'],
    runs.map((r) =>
      h(
        'tr',
        { class: r.id === selectedId ? 'selectable selected' : 'selectable', 'data-action': 'select-run', 'data-id': r.id },
        h('td', { class: 'mono' }, r.id),
        h('td', {}, r.stackKey),
        h('td', { class: 'mono', title: r.commit }, shortCommit(r.commit)),
        h('td', {}, r.trigger?.kind ?? '-'),
        h('td', {}, r.mode === 'drift' ? 'drift check' : r.apply ? 'apply' : 'preview'),
        h('td', {}, h('span', { class: `badge status-${r.status}` }, r.status), r.reason ? ` ${r.reason}` : ''),
        h('td', {}, countsShort((r.applySummary ?? r.previewSummary)?.counts)),
        h('td', {}, dateTime(r.timings?.startedAt ?? r.timings?.enqueuedAt)),
      ),
    ),
    'no runs yet',
  );
}

/** A selected run: what it was, its preview diff (and the apply's, when it applied) and its log. */
export function runDetail(run, log) {
  return h(
    'div',
    { class: 'run-detail', 'data-run': run.id },
    h('h3', {}, `Run ${run.id}`),
    h(
      'p',
      {},
      `${run.stackKey} @ `,
      h('span', { class: 'mono', title: run.commit }, shortCommit(run.commit)),
      ` — ${run.status}${run.reason ? ` (${run.reason})` : ''}, phase ${run.phase}, attempt ${run.attempt}, trigger ${run.trigger?.kind ?? '-'}`,
    ),
    run.message ? h('p', { class: 'message' }, run.message) : null,
    diffView(run.previewSummary, 'Preview'),
    run.applySummary ? diffView(run.applySummary, 'Update') : null,
    h('details', {}, h('summary', {}, `Log (${log?.length ?? 0} lines)`), h('pre', { class: 'log' }, (log ?? []).join('\n'))),
  );
}

export function incidentsTable(records, selectedId) {
  return table(
    ['Incident', 'Status', 'Stacks', 'Onset', 'Signals', 'Probable cause'],
    records.map((r) => {
      const i = r.incident;
      const top = r.causes?.[0];
      return h(
        'tr',
        { class: i.id === selectedId ? 'selectable selected' : 'selectable', 'data-action': 'select-incident', 'data-id': i.id },
        h('td', { class: 'mono' }, i.id),
        h('td', {}, h('span', { class: `badge ${i.status === 'open' ? 'bad' : 'good'}` }, i.status)),
        h('td', {}, i.stacks.join(', ')),
        h('td', {}, dateTime(i.onsetAt)),
        h('td', {}, i.signals.map((s) => s.signalId).join(', ') || '-'),
        h('td', {}, top ? `${top.kind} (${num(top.confidence)})` : 'unknown'),
      );
    }),
    'no incidents',
  );
}

/**
 * A selected incident: diagnosis, one chart per signal with the moments of
 * the remediations' actions, and the remediations. `series` and
 * `remediations` are the API's answers, or a string saying why they are not
 * available.
 */
export function incidentDetail(record, series, remediations) {
  const i = record.incident;
  const markers = Array.isArray(remediations) ? actionMarkers(remediations) : [];
  return h(
    'div',
    { class: 'incident-detail', 'data-incident': i.id },
    h('h3', {}, `Incident ${i.id}`),
    h('pre', { class: 'summary' }, record.summary),
    record.causes?.length
      ? h(
          'ol',
          { class: 'causes' },
          record.causes.map((c) => h('li', {}, h('strong', {}, `${c.kind} (${num(c.confidence)})`), c.commit ? ` ${shortCommit(c.commit)}` : '', `: ${c.explanation}`, c.check ? h('div', { class: 'muted' }, `check: ${c.check}`) : null)),
        )
      : null,
    h('h4', {}, 'Signals'),
    typeof series === 'string'
      ? unavailable('signal series', series)
      : series.length === 0
        ? h('p', { class: 'muted' }, 'no signals')
        : series.map((s) => h('figure', { class: 'signal', 'data-series': s.seriesId }, h('figcaption', {}, `${s.stackKey} ${s.signalId}`), chart(s, markers))),
    h('h4', {}, 'Remediations'),
    typeof remediations === 'string' ? unavailable('remediations', remediations) : remediationsList(remediations),
    i.evidence?.length ? h('details', {}, h('summary', {}, `Evidence (${i.evidence.length})`), h('ul', {}, i.evidence.map((e) => h('li', {}, e)))) : null,
  );
}

export function remediationsList(remediations) {
  if (remediations.length === 0) return h('p', { class: 'muted' }, 'no remediations');
  return h(
    'ul',
    { class: 'remediations' },
    remediations.map((r) =>
      h(
        'li',
        {},
        h('strong', {}, `${r.playbook}`),
        ` on ${r.stackKey}: ${r.state}`,
        r.commit ? ` (commit ${shortCommit(r.commit)})` : '',
        r.revertCommit ? ` (reverted by ${shortCommit(r.revertCommit)})` : '',
        h('ul', {}, (r.events ?? []).map((e) => h('li', {}, `${clock(toMs(e.at))} ${e.state}${e.message ? `: ${e.message}` : ''}`))),
      ),
    ),
  );
}

// --- reviews and audit -------------------------------------------------------------

/** Open review items, each with approve and reject buttons (and an optional reason for a rejection). */
export function reviewsList(reviews) {
  if (reviews.length === 0) return h('p', { class: 'muted' }, 'nothing waiting for review');
  return h(
    'div',
    { class: 'reviews' },
    reviews.map((r) => {
      const pr = r.pullRequest && safeUrl(r.pullRequest.url);
      return h(
        'article',
        { class: 'review', 'data-review': r.id },
        h('h3', {}, r.title),
        h(
          'p',
          { class: 'meta' },
          `${r.stackKey} · playbook ${r.playbook} · confidence ${num(r.confidence)} · risk ${r.risk} · incident ${r.incidentId} · branch ${r.branch} @ `,
          h('span', { class: 'mono', title: r.commit }, shortCommit(r.commit)),
          pr ? [' · ', h('a', { href: pr, target: '_blank', rel: 'noopener noreferrer' }, `pull request #${r.pullRequest.number}`)] : null,
        ),
        h('p', {}, r.explanation),
        r.reasons?.length ? h('ul', { class: 'reasons' }, r.reasons.map((x) => h('li', {}, x))) : null,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'approve', 'data-action': 'approve', 'data-id': r.id }, 'Approve'),
          h('input', { type: 'text', class: 'reject-reason', 'data-reason-for': r.id, placeholder: 'reason for rejecting (optional)' }),
          h('button', { type: 'button', class: 'reject', 'data-action': 'reject', 'data-id': r.id }, 'Reject'),
          h('span', { class: 'action-error', 'data-error-for': r.id }),
        ),
      );
    }),
  );
}

export function auditTable(entries) {
  return table(
    ['#', 'At', 'Type', 'Actor', 'Stack', 'Incident', 'Playbook', 'Commit', 'Summary', 'Hash'],
    entries.map((e) =>
      h(
        'tr',
        { 'data-seq': e.seq },
        h('td', {}, e.seq),
        h('td', {}, dateTime(e.at)),
        h('td', {}, h('span', { class: 'badge' }, e.type)),
        h('td', {}, e.actor),
        h('td', {}, e.stackKey ?? ''),
        h('td', { class: 'mono' }, e.incidentId ?? ''),
        h('td', {}, e.playbook ?? ''),
        h('td', { class: 'mono', title: e.commit ?? '' }, e.commit ? shortCommit(e.commit) : ''),
        h('td', {}, e.summary),
        h('td', { class: 'mono', title: e.hash }, String(e.hash ?? '').slice(0, 10)),
      ),
    ),
    'no audit entries',
  );
}

/** The audit chain's verification as a badge. */
export function verifyBadge(result) {
  if (typeof result === 'string') return h('span', { class: 'badge muted' }, `audit chain: not available`);
  if (result.ok) return h('span', { class: 'badge good' }, `audit chain verified${result.count !== undefined ? ` (${result.count} entries)` : ''}`);
  return h('span', { class: 'badge bad' }, `audit chain broken${result.seq !== undefined ? ` at #${result.seq}` : ''}${result.problem ? `: ${result.problem}` : ''}`);
}

// --- live updates, the timeline and the stack page ---------------------------------

/** The stack page's address for a stack key. */
export function stackHref(stackKey) {
  return `/dashboard/stack?key=${encodeURIComponent(stackKey)}`;
}

/** How the page is kept up to date: live from the event stream, or polling (and why). */
export function liveBadge(status) {
  if (status.mode === 'live') return h('span', { class: 'badge good', 'data-live': 'live' }, 'live');
  if (status.mode === 'polling') return h('span', { class: 'badge warn', 'data-live': 'polling', title: status.why ?? '' }, `polling every 2 s${status.why ? ` (${status.why})` : ''}`);
  return h('span', { class: 'badge muted', 'data-live': 'connecting', title: status.why ?? '' }, 'connecting…');
}

/** The newest timeline events the page has seen, newest first. */
export function timelineList(events) {
  if (events.length === 0) return h('p', { class: 'muted' }, 'no events since this page was opened');
  return h(
    'ol',
    { class: 'timeline' },
    events.map((e) =>
      h(
        'li',
        { 'data-event': e.type },
        h('span', { class: 'mono' }, clock(e.at)),
        ' ',
        h('span', { class: 'badge' }, e.type),
        e.stack ? ` [${e.stack}${e.commit ? `@${String(e.commit).slice(0, 7)}` : ''}]` : '',
        ` ${e.message}`,
        e.outcome ? h('span', { class: 'muted' }, ` (${e.outcome})`) : null,
      ),
    ),
  );
}

/** A stack's links to other stacks, or a plain "none known" when the service knows none. */
export function stackLinks(links) {
  if (!links.known) {
    return h('p', { class: 'muted none-known' }, 'none known yet: links are recorded by the stack\'s next apply (its StackReferences and homeostat:dependsOn)');
  }
  const item = (k) => h('li', {}, h('a', { href: stackHref(k) }, k));
  return h(
    'div',
    { class: 'links' },
    h('h4', {}, 'Depends on'),
    links.dependsOn.length ? h('ul', {}, links.dependsOn.map(item)) : h('p', { class: 'muted' }, 'nothing'),
    h('h4', {}, 'Depended on by'),
    links.dependents.length ? h('ul', {}, links.dependents.map(item)) : h('p', { class: 'muted' }, 'nothing'),
  );
}
