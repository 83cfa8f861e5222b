import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { PLAYBOOKS, proposeAll, type Playbook, type PlaybookInput } from '../../remediations/index.ts';
import type { Proposal } from '../../remediations/proposal.ts';
import { StackContractSchema, type StackContract } from '../../stacks/contract.ts';
import type { IncidentStore } from '../aiops/incident-store.ts';
import { contextFrom } from '../aiops/context-store.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import type { ServiceConfig } from '../config/service-config.ts';
import { calibratedConfidence, changeFingerprint, decide, evaluateGuardrails, promotable, type PolicyResult } from '../decide/index.ts';
import { diagnose, type DiagnosisOptions, type SignalSeries } from '../diagnose/index.ts';
import type { ForgeAdapter } from '../forge/forge.ts';
import type { IntakeQueue } from '../intake/intake-queue.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import { parseStackKey } from '../queue/stack-key.ts';
import type { StackLock } from '../queue/stack-lock.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { RunStore } from '../records/run-store.ts';
import { seriesOf } from '../telemetry/index.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { checkSignal, verifyEffect, type SignalWindow } from '../verify/verify-effect.ts';
import type { Incident } from '../correlate/index.ts';
import { remediationCommitMessage, revertCommitMessage } from './commit-message.ts';
import { StaleProposalError, type GitWriter, type RepoRef } from './git-writer.ts';
import type { GuardrailLedger } from './guardrail-ledger.ts';
import { advance, FINAL_STATES, type RemediationRecord } from './remediation-record.ts';
import { REMEDIATION_QUEUE, RemediationJobSchema, type RemediationJob } from './remediation-queue.ts';
import type { RemediationStore } from './remediation-store.ts';

/** A watched repository as remediation sees it. */
export interface RemediationRepo extends RepoRef {
  deployBranch: string;
  /** `owner/repo` on the forge, for pull requests. */
  forgeRepoName?: string;
}

export interface RemediationWorkerDeps {
  connection: Redis;
  prefix?: string;
  store: RemediationStore;
  ledger: GuardrailLedger;
  audit: { append(entry: AuditEntryInput): Promise<unknown> };
  incidents: IncidentStore;
  runs: RunStore;
  deployQueue: DeployQueue;
  intake: IntakeQueue;
  git: GitWriter;
  repo(id: string): RemediationRepo | undefined;
  forge?: (repoId: string) => ForgeAdapter | undefined;
  /** One remediation per stack at a time, across processes (its own keys, apart from the deploy lock). */
  lock: StackLock;
  config: ServiceConfig['remediation'];
  /** Windows of the diagnosis rules, as the analysis worker uses them; defaults from diagnose/diagnosis-options.ts. */
  diagnosis?: DiagnosisOptions;
  emit?: TimelineSink;
  playbooks?: readonly Playbook[];
  /** How long to wait for the policy check and for the deploy of a change; default 15 min each. */
  policyTimeoutMs?: number;
  deployTimeoutMs?: number;
  /** Between two looks at the records while waiting; default 250 ms. */
  pollMs?: number;
  workerId?: string;
  /** Ends the incident once its remediation is verified as effective (the analysis worker's tracker owns incidents). */
  resolveIncident?: (incidentId: string, reason: string) => Promise<void>;
}

/** Thrown when a step must wait for something outside the job (the stack's lock). */
class Busy extends Error {}

/**
 * The remediation worker: for each incident, the ordered steps of the loop's
 * second half — propose, guardrails, policy check on a branch, decide,
 * commit (or review item, or reject), wait for the ordinary deploy path to
 * apply it, verify, and revert what did not help. Every step saves the
 * remediation record before it returns, so a job redelivered after a crash
 * resumes where the record says.
 */
export function startRemediationWorker(deps: RemediationWorkerDeps) {
  const emit = deps.emit ?? (() => {});
  const playbooks = deps.playbooks ?? PLAYBOOKS;
  const pollMs = deps.pollMs ?? 250;
  const owner = deps.workerId ?? `remediate-${process.pid}`;
  const closing = new AbortController();

  async function audit(rec: RemediationRecord, type: AuditEntryInput['type'], summary: string, data: Record<string, unknown> = {}, actor = 'homeostat'): Promise<void> {
    await deps.audit.append({
      type,
      actor,
      stackKey: rec.stackKey,
      incidentId: rec.incidentId,
      ...(rec.playbook ? { playbook: rec.playbook } : {}),
      ...(rec.commit ? { commit: rec.commit } : {}),
      summary,
      data: { remediationId: rec.id, ...data },
    });
  }

  const stackName = (rec: RemediationRecord) => parseStackKey(rec.stackKey).stack;
  const fields = (rec: RemediationRecord) => ({
    stack: stackName(rec),
    incident: rec.incidentId,
    ...(rec.playbook ? { playbook: rec.playbook } : {}),
    ...(rec.confidence !== undefined ? { confidence: round2(rec.confidence) } : {}),
  });

  function repoOf(rec: RemediationRecord): RemediationRepo {
    const repo = deps.repo(rec.repoId);
    if (!repo) throw new Error(`repository ${rec.repoId} is not watched (anymore)`);
    return repo;
  }

  async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      if (closing.signal.aborted) throw new Error(`shutting down while waiting for ${what}`);
      await sleep(pollMs);
    }
  }

  /** The stack's contract from its last applied outputs. */
  async function contractOf(stackKey: string): Promise<StackContract | undefined> {
    const status = await deps.runs.status(stackKey);
    const parsed = StackContractSchema.safeParse(status.outputs?.homeostat);
    return parsed.success ? parsed.data : undefined;
  }

  async function newestPoint(seriesIds: readonly string[]): Promise<number> {
    let newest = 0;
    for (const id of new Set(seriesIds)) newest = Math.max(newest, (await deps.incidents.recent(id)).at(-1)?.timestamp ?? 0);
    return newest;
  }

  /**
   * Whether every abnormal signal of the incident is back near its level
   * before the onset, judged on the points after its last anomaly (at least
   * three). A second incident about a problem already fixed ends here.
   */
  async function recoveredSince(incident: Incident, contract: StackContract): Promise<string | undefined> {
    const windows: SignalWindow[] = [];
    for (const s of incident.signals) {
      const signal = contract.healthSignals.find((h) => h.id === s.signalId);
      // Demand is the world, not the stack's health: it may stay high after a fix.
      if (!signal || signal.role === 'demand' || s.stackKey !== incident.stackKey) continue;
      const points = await deps.incidents.recent(s.seriesId);
      const after = points.filter((p) => p.timestamp > incident.lastAbnormalAt).map((p) => p.value).slice(-5);
      if (after.length < 3) return undefined;
      windows.push({
        effect: { signalId: s.signalId, direction: signal.higherIsWorse ? 'down' : 'up' },
        before: points.filter((p) => p.timestamp < incident.onsetAt).map((p) => p.value),
        during: points.filter((p) => p.timestamp >= incident.onsetAt && p.timestamp <= incident.lastAbnormalAt).map((p) => p.value),
        after,
      });
    }
    const checks = windows.map((w) => checkSignal(w, { settlePoints: 0 }));
    return checks.length > 0 && checks.every((c) => c.verdict === 'improved') ? checks.map((c) => c.note).join('; ') : undefined;
  }

  // propose: the playbooks' best proposal, calibrated by their track record, then the guardrails.
  async function propose(rec: RemediationRecord): Promise<RemediationRecord> {
    const incident = await deps.incidents.get(rec.incidentId);
    if (!incident) return advance(rec, 'no-action', `incident ${rec.incidentId} is not known`);
    if (incident.incident.status === 'resolved') return advance(rec, 'no-action', 'the incident resolved before any action');
    const contract = await contractOf(rec.stackKey);
    if (!contract) return advance(rec, 'no-action', `${rec.stackKey} declares no contract (no homeostat output)`);
    const recovered = await recoveredSince(incident.incident, contract);
    if (recovered) {
      const next = advance(rec, 'no-action', `its signals are back to their levels before the incident: ${recovered}`);
      emit(timelineEvent('proposal', next.message!, { ...fields(next), outcome: 'no-action' }));
      await audit(next, 'no-action', next.message!);
      return next;
    }

    const [statuses, runs] = await Promise.all([deps.runs.statuses(), deps.runs.list({ limit: 200 })]);
    const ctx = contextFrom(statuses, runs);
    const recentValues: SignalSeries[] = [];
    for (const spec of seriesOf(ctx.watched.filter((w) => w.stackKey === rec.stackKey))) {
      recentValues.push({ stackKey: spec.stackKey, signalId: spec.signalId, points: await deps.incidents.recent(spec.seriesId) });
    }
    // Diagnose again with the data that arrived since the incident last changed: an open
    // incident lasts until now, even when its detectors got used to the new level.
    const newest = await newestPoint(incident.incident.signals.map((s) => s.seriesId));
    const ongoing = { ...incident.incident, lastAbnormalAt: Math.max(incident.incident.lastAbnormalAt, newest) };
    const others = (await deps.incidents.list(50)).map((r) => r.incident).filter((i) => i.id !== rec.incidentId);
    const { causes } = diagnose(ongoing, { topology: ctx.topology, deployments: ctx.deployments, incidents: others, recentValues }, deps.diagnosis);
    const id = parseStackKey(rec.stackKey);
    const input: PlaybookInput = {
      incident: incident.incident,
      causes,
      stack: { stackKey: rec.stackKey, contract, configFile: `${id.project ? `${id.project}/` : ''}stacks/Pulumi.${id.stack}.yaml` },
      deployments: ctx.deployments.filter((d) => d.stackKey === rec.stackKey),
      recentValues,
    };
    const { proposals, failures } = proposeAll(input, playbooks);
    for (const f of failures) emit(timelineEvent('error', f.errors.join('; '), { stack: id.stack, incident: rec.incidentId, playbook: f.playbook }));

    const scored: { proposal: Proposal; confidence: number }[] = [];
    for (const p of proposals) scored.push({ proposal: p, confidence: calibratedConfidence(p.confidence, await deps.ledger.counts(p.playbook, p.stackKey)) });
    scored.sort((a, b) => b.confidence - a.confidence);
    const best = scored[0];
    if (!best) {
      const why = failures.length > 0 ? `no valid proposal (${failures.length} playbook(s) failed)` : 'no playbook had a proposal for this incident';
      const next = advance(rec, 'no-action', why);
      emit(timelineEvent('proposal', why, { ...fields(next), outcome: 'no-action' }));
      await audit(next, 'no-action', why, { causes, failures: failures.map((f) => f.errors) });
      return next;
    }

    const { proposal, confidence } = best;
    const controls = await deps.ledger.controls();
    const guardConfig = { ...deps.config.guardrails, ...controls };
    const now = Date.now();
    const guardrails = evaluateGuardrails(proposal, await deps.ledger.state(rec.stackKey, proposal.playbook, now, contract), guardConfig, now);
    await deps.ledger.recordOutcome({ playbook: proposal.playbook, stackKey: rec.stackKey, event: 'proposed', mode: 'auto' });
    let next: RemediationRecord = {
      ...advance(rec, 'proposing', `${proposal.playbook}: ${proposal.title}`),
      playbook: proposal.playbook,
      proposal,
      rawConfidence: proposal.confidence,
      confidence,
      guardrails,
    };
    emit(
      timelineEvent('proposal', `${proposal.title} (confidence ${confidence.toFixed(2)}, risk ${proposal.risk}): ${proposal.explanation}`, {
        ...fields(next),
        details: { kind: proposal.kind, ...(proposal.kind === 'config-patch' ? { changes: proposal.changes } : { revert: proposal.commit }) },
      }),
    );
    await audit(next, 'proposal', proposal.title, { causes, proposal, rawConfidence: proposal.confidence, confidence, alternatives: scored.slice(1).map((s) => ({ playbook: s.proposal.playbook, title: s.proposal.title, confidence: s.confidence })) });
    await audit(next, 'guardrails', guardrails.filter((g) => !g.passed).map((g) => `${g.name}: ${g.reason}`).join('; ') || 'every guardrail passed', { guardrails });

    // The kill switch (a reject-on-fail guardrail) needs no policy check: nothing goes out.
    const early = decide({ ...proposal, confidence }, { guardrails, policyResult: { passed: true, violations: [] }, stackThreshold: thresholdOf(rec.stackKey) });
    if (early.decision === 'reject') return reject(next, early.reasons);

    // policy: the change on a branch of its own, previewed by the engine with the policy packs.
    const repo = repoOf(next);
    const base = await deps.git.head(repo, repo.deployBranch);
    const branch = `homeostat/${next.id}`;
    const draft = remediationCommitMessage({ proposal, confidence, policy: { passed: true, violations: [] }, decision: early, previewCounts: {} });
    let proposalCommit: string;
    try {
      proposalCommit = await deps.git.commitProposal({ repo, base, branch, proposal, message: draft });
    } catch (err) {
      if (err instanceof StaleProposalError) return reject(next, [`the proposal no longer applies: ${err.message}`]);
      throw err;
    }
    const { jobId } = await deps.deployQueue.enqueue(id, proposalCommit, false, { kind: 'remediation', remediationId: next.id, incidentId: next.incidentId, playbook: proposal.playbook }, { suffix: 'policy' });
    next = { ...advance(next, 'checking', `policy check of ${proposalCommit.slice(0, 12)} on ${branch}`), branch, proposalCommit, baseCommit: base, policy: { passed: false, violations: [], runId: jobId, counts: {} } };
    return next;
  }

  function thresholdOf(stackKey: string): number {
    return deps.config.stackThresholds[stackKey] ?? deps.config.confidenceThreshold;
  }

  async function reject(rec: RemediationRecord, reasons: string[]): Promise<RemediationRecord> {
    const next = { ...advance(rec, 'rejected', reasons.join('; ')), decision: { decision: 'reject' as const, reasons, dryRun: false } };
    if (rec.branch) await deps.git.deleteBranch(repoOf(rec), rec.branch).catch(() => undefined);
    emit(timelineEvent('decision', `rejected: ${reasons.join('; ')}`, { ...fields(next), outcome: 'rejected' }));
    await audit(next, 'decision', `rejected: ${reasons.join('; ')}`, { decision: next.decision, guardrails: rec.guardrails, policy: rec.policy, proposal: rec.proposal });
    return next;
  }

  // policy check result, then the decision: auto, review or reject.
  async function check(rec: RemediationRecord): Promise<RemediationRecord> {
    const jobId = rec.policy?.runId;
    const proposal = rec.proposal;
    if (!jobId || !proposal || !rec.proposalCommit || !rec.branch) throw new Error(`remediation ${rec.id} is checking without a proposal commit`);
    const started = Date.now();
    const run = await waitFor(`the policy check of ${rec.proposalCommit.slice(0, 12)}`, deps.policyTimeoutMs ?? 15 * 60_000, async () => {
      const runs = await deps.runs.list({ stackKey: rec.stackKey, limit: 100 });
      return runs.find((r) => r.jobId === jobId && r.status !== 'running' && !(r.status === 'failed' && r.reason !== 'PolicyViolation' && r.attempt < 3 && r.reason !== 'InvalidProgram'));
    });
    const summary = run.previewSummary;
    const violations = (summary?.policyViolations ?? []).map((v) => ({ policy: v.policy, level: v.level, message: v.message }));
    const policy: PolicyResult = { passed: run.status === 'previewed' || run.status === 'unchanged', violations };
    const counts = summary?.counts ?? {};
    emit(
      timelineEvent('policy', policy.passed ? `proposal passed the policy packs (${violations.length} advisory)` : `proposal ${violations.length > 0 ? `violates ${violations.map((v) => `${v.level} ${v.policy}: ${v.message}`).join('; ')}` : `could not be checked: ${run.message ?? run.status}`}`, {
        ...fields(rec),
        commit: rec.proposalCommit,
        outcome: policy.passed ? 'passed' : 'failed',
        durationMs: Date.now() - started,
        details: { runId: run.id, counts },
      }),
    );
    let next: RemediationRecord = { ...rec, policy: { passed: policy.passed, violations, runId: run.id, counts } };
    await audit(next, 'policy-check', policy.passed ? 'passed' : `failed: ${violations.map((v) => `${v.policy}: ${v.message}`).join('; ') || run.message || run.status}`, { policy, previewSummary: summary, runId: run.id });

    const counts_ = await deps.ledger.counts(proposal.playbook, rec.stackKey);
    const promoted = promotable(counts_, deps.config.promoteAfter);
    const threshold = promoted ? 0 : thresholdOf(rec.stackKey);
    const decision = decide({ ...proposal, confidence: rec.confidence ?? proposal.confidence }, { guardrails: (rec.guardrails ?? []) as never, policyResult: policy, stackThreshold: threshold });
    next = { ...next, decision: { ...decision, ...(promoted ? { promoted } : {}) } };
    if (decision.decision === 'reject') return reject(next, decision.reasons);

    // The same change again, its message now carrying the policy result, preview and decision.
    const repo = repoOf(next);
    const message = remediationCommitMessage({ proposal, confidence: next.confidence ?? proposal.confidence, policy, decision, previewCounts: counts, previewRunId: run.id });
    const base = next.baseCommit!;
    const final = await deps.git.commitProposal({ repo, base, branch: next.branch!, proposal, message });
    if (decision.decision === 'review') return openReview({ ...next, proposalCommit: final }, repo, decision.reasons);

    // auto: the proposal's commit becomes the deploy branch's head, if nothing moved it meanwhile.
    if (!(await deps.git.advance({ repo, branch: repo.deployBranch, expected: base, commit: final }))) {
      // The deploy branch moved: start again from its new head (and a new policy check).
      const again = advance({ ...next, proposalCommit: undefined, branch: undefined }, 'proposing', `${repo.deployBranch} moved while the proposal was checked; proposing again`);
      await deps.git.deleteBranch(repo, next.branch!).catch(() => undefined);
      return again;
    }
    await deps.git.deleteBranch(repo, next.branch!).catch(() => undefined);
    await deps.ledger.recordChange(next.stackKey, proposal.playbook, Date.now(), next.id);
    return committed({ ...next, mode: 'auto' }, repo, final, base, `committed to ${repo.deployBranch}${promoted ? ' (playbook promoted by its track record)' : ''}`);
  }

  async function committed(rec: RemediationRecord, repo: RemediationRepo, commit: string, base: string, how: string): Promise<RemediationRecord> {
    const next = { ...advance(rec, 'committed', `${commit.slice(0, 12)} ${how}`), commit, baseCommit: base };
    emit(timelineEvent('decision', `${next.mode === 'review' ? 'approved by a person' : 'automatic'}: ${(rec.decision?.reasons ?? []).join('; ')}`, { ...fields(next), outcome: next.mode === 'review' ? 'approved' : 'auto' }));
    emit(timelineEvent('commit', `${commit.slice(0, 12)} ${how}`, { ...fields(next), commit, outcome: 'committed' }));
    await audit(next, 'commit', `${commit.slice(0, 12)} ${how}`, { decision: rec.decision, mode: next.mode, base, branch: rec.branch, trailers: true });
    await announcePush(repo, base, commit);
    return next;
  }

  /** Tells the deploy path about the new head at once, the way a forge's webhook would. */
  async function announcePush(repo: RemediationRepo, before: string, after: string): Promise<void> {
    await deps.intake.add({
      kind: 'push',
      forge: 'cli',
      deliveryId: `homeostat-${after}`,
      repoName: repo.forgeRepoName ?? repo.id,
      cloneUrls: [repo.url],
      receivedAt: new Date().toISOString(),
      ref: `refs/heads/${repo.deployBranch}`,
      before,
      after,
    });
  }

  async function openReview(rec: RemediationRecord, repo: RemediationRepo, reasons: string[]): Promise<RemediationRecord> {
    const proposal = rec.proposal!;
    const reviewId = `rv-${rec.id.slice(3)}`;
    let pullRequest: { number: number; url: string } | undefined;
    const forge = deps.forge?.(repo.id);
    if (forge && repo.forgeRepoName) {
      pullRequest = await forge.openPullRequest({
        repoName: repo.forgeRepoName,
        head: rec.branch!,
        base: repo.deployBranch,
        title: proposal.title,
        body: `${proposal.explanation}\n\nWhy a person decides:\n${reasons.map((r) => `- ${r}`).join('\n')}\n\nConfidence ${(rec.confidence ?? proposal.confidence).toFixed(2)}, risk ${proposal.risk}. Incident ${rec.incidentId}.`,
      });
    }
    await deps.store.saveReview({
      id: reviewId,
      remediationId: rec.id,
      status: 'open',
      createdAt: new Date().toISOString(),
      stackKey: rec.stackKey,
      repoId: rec.repoId,
      incidentId: rec.incidentId,
      playbook: proposal.playbook,
      title: proposal.title,
      explanation: proposal.explanation,
      confidence: rec.confidence ?? proposal.confidence,
      risk: proposal.risk,
      branch: rec.branch!,
      commit: rec.proposalCommit!,
      reasons,
      ...(pullRequest ? { pullRequest } : {}),
    });
    const next = { ...advance(rec, 'review', `waiting for a person: ${reasons.join('; ')}`), reviewId, mode: 'review' as const, ...(pullRequest ? { pullRequest } : {}) };
    emit(timelineEvent('decision', `review: ${reasons.join('; ')}${pullRequest ? ` (pull request #${pullRequest.number})` : ` (review item ${reviewId})`}`, { ...fields(next), commit: rec.proposalCommit!, outcome: 'review' }));
    await audit(next, 'review-opened', `${proposal.title}: ${reasons.join('; ')}`, { decision: rec.decision, reviewId, branch: rec.branch, pullRequest, guardrails: rec.guardrails, policy: rec.policy });
    return next;
  }

  // A person approved: merge the branch into the deploy branch.
  async function merge(rec: RemediationRecord): Promise<RemediationRecord> {
    const repo = repoOf(rec);
    const review = rec.reviewId ? await deps.store.review(rec.reviewId) : undefined;
    const base = await deps.git.head(repo, repo.deployBranch);
    let commit: string;
    try {
      commit = await deps.git.merge({ repo, deployBranch: repo.deployBranch, branch: rec.branch!, message: `Merge ${rec.branch}: ${rec.proposal?.title ?? rec.id}\n\nApproved by ${review?.decidedBy ?? 'a person'}.\n\nHomeostat-Incident: ${rec.incidentId}\nHomeostat-Playbook: ${rec.playbook ?? ''}\nHomeostat-Approved-By: ${review?.decidedBy ?? 'unknown'}\n` });
    } catch (err) {
      if (err instanceof StaleProposalError) {
        const next = advance(rec, 'escalated', err.message);
        await audit(next, 'escalated', err.message);
        return next;
      }
      throw err;
    }
    if (review) await deps.store.saveReview({ ...review, mergedCommit: commit });
    await deps.git.deleteBranch(repo, rec.branch!).catch(() => undefined);
    return committed(rec, repo, commit, base, `merged into ${repo.deployBranch} (approved by ${review?.decidedBy ?? 'a person'})`);
  }

  // apply: the ordinary deploy path applies the commit (or a later one that contains it).
  async function awaitApply(rec: RemediationRecord): Promise<RemediationRecord> {
    const repo = repoOf(rec);
    const commit = rec.commit!;
    const run = await waitFor<RunRecord | 'superseded'>(`the deploy of ${commit.slice(0, 12)}`, deps.deployTimeoutMs ?? 15 * 60_000, async () => {
      const runs = await deps.runs.list({ stackKey: rec.stackKey, limit: 100 });
      const own = runs.find((r) => r.commit === commit && r.apply && r.status !== 'running' && r.status !== 'skipped' && !(r.status === 'failed' && r.attempt < 3 && r.reason !== 'PolicyViolation'));
      if (own) return own;
      const status = await deps.runs.status(rec.stackKey);
      if (status.appliedCommit && status.appliedCommit !== commit && status.appliedCommit !== rec.baseCommit && (await deps.git.isAncestor(repo, commit, status.appliedCommit))) return 'superseded';
      return undefined;
    });
    if (run !== 'superseded' && run.status !== 'applied' && run.status !== 'unchanged') {
      const next = advance(rec, 'failed', `the deploy of ${commit.slice(0, 12)} ${run.status}: ${run.reason ?? ''} ${run.message ?? ''}`.trim());
      emit(timelineEvent('error', next.message!, { ...fields(next), commit, outcome: 'failed' }));
      await audit(next, 'applied', next.message!, { runId: run.id, status: run.status, reason: run.reason });
      return next;
    }
    // Verification reads only points newer than these.
    const watermarks: Record<string, number> = {};
    for (const seriesId of await namedSeries(rec)) {
      const points = await deps.incidents.recent(seriesId);
      watermarks[seriesId] = points.at(-1)?.timestamp ?? 0;
    }
    const appliedAt = new Date().toISOString();
    await deps.ledger.recordOutcome({ playbook: rec.playbook!, stackKey: rec.stackKey, event: 'applied', mode: rec.mode ?? 'auto' });
    const next = { ...advance(rec, 'verifying', `applied${run === 'superseded' ? ' (with a later commit)' : ` by run ${run.id}`}; watching ${Object.keys(watermarks).length} signal(s)`), appliedAt, watermarks, ...(run !== 'superseded' ? { deployRunId: run.id } : {}) };
    await audit(next, 'applied', next.message!, { runId: next.deployRunId, watermarks });
    return next;
  }

  /** Series ids of the signals the proposal expects to move, as the incident recorded them (or from the contract). */
  async function namedSeries(rec: RemediationRecord): Promise<string[]> {
    const wanted = new Set((rec.proposal?.expectedEffect ?? []).map((e) => e.signalId));
    const incident = await deps.incidents.get(rec.incidentId);
    const out = new Map<string, string>();
    for (const s of incident?.incident.signals ?? []) if (s.stackKey === rec.stackKey && wanted.has(s.signalId)) out.set(s.signalId, s.seriesId);
    const contract = await contractOf(rec.stackKey);
    if (contract) {
      for (const spec of seriesOf([{ stackKey: rec.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }])) {
        if (wanted.has(spec.signalId) && !out.has(spec.signalId)) out.set(spec.signalId, spec.seriesId);
      }
    }
    return [...out.values()];
  }

  // verify: after the window, compare the named signals with their levels before and during the incident.
  async function verify(rec: RemediationRecord): Promise<RemediationRecord> {
    const windowMs = deps.config.verificationSeconds * 1000;
    const appliedAt = Date.parse(rec.appliedAt!);
    const wait = appliedAt + windowMs - Date.now();
    if (wait > 0) await sleepUnlessClosing(wait);
    const incident = await deps.incidents.get(rec.incidentId);
    const onsetAt = incident?.incident.onsetAt ?? 0;
    const effects = rec.proposal?.expectedEffect ?? [];
    const signalOf = new Map((incident?.incident.signals ?? []).map((s) => [s.seriesId, s.signalId]));
    const contract = await contractOf(rec.stackKey);
    if (contract) for (const spec of seriesOf([{ stackKey: rec.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }])) if (!signalOf.has(spec.seriesId)) signalOf.set(spec.seriesId, spec.signalId);
    // Wait (up to another window) until each named series has enough fresh points to judge.
    const enough = deps.config.verificationPoints;
    const series = Object.keys(rec.watermarks ?? {});
    const collect = async () => {
      const windows: SignalWindow[] = [];
      for (const seriesId of series) {
        const effect = effects.find((e) => e.signalId === signalOf.get(seriesId));
        if (!effect) continue;
        const mark = rec.watermarks![seriesId]!;
        const points = await deps.incidents.recent(seriesId);
        windows.push({
          effect,
          before: points.filter((p) => p.timestamp < onsetAt).map((p) => p.value),
          during: points.filter((p) => p.timestamp >= onsetAt && p.timestamp <= mark).map((p) => p.value),
          after: points.filter((p) => p.timestamp > mark).map((p) => p.value),
        });
      }
      return windows;
    };
    let windows = await collect();
    const deadline = Date.now() + windowMs;
    while (windows.some((w) => w.after.length < enough) && Date.now() < deadline && !closing.signal.aborted) {
      await sleep(Math.min(1000, windowMs / 10));
      windows = await collect();
    }
    const verification = verifyEffect(windows);
    const next: RemediationRecord = { ...rec, verification: { outcome: verification.outcome, summary: verification.summary, signals: verification.signals.map((x) => ({ ...x })) } };
    const repo = repoOf(rec);
    if (verification.outcome === 'effective') {
      await deps.ledger.resetRollbacks(rec.stackKey);
      await deps.ledger.recordOutcome({ playbook: rec.playbook!, stackKey: rec.stackKey, event: 'effective', mode: rec.mode ?? 'auto' });
      if (rec.proposal) await deps.ledger.recordCanaryVerified({ stackKey: rec.stackKey, change: changeFingerprint(rec.proposal), verifiedAt: Date.now() });
      const done = advance(next, 'effective', verification.summary);
      emit(timelineEvent('verify', verification.summary, { ...fields(done), commit: rec.commit!, outcome: 'effective', durationMs: Date.now() - appliedAt }));
      await audit(done, 'verified', verification.summary, { verification });
      await deps.resolveIncident?.(rec.incidentId, `${rec.playbook} verified as effective: ${verification.summary}`);
      return done;
    }

    await deps.ledger.recordOutcome({ playbook: rec.playbook!, stackKey: rec.stackKey, event: 'rolled-back', mode: rec.mode ?? 'auto' });
    const inARow = (await deps.ledger.state(rec.stackKey, rec.playbook!, Date.now())).consecutiveRollbacks;
    const max = { ...deps.config.guardrails, ...(await deps.ledger.controls()) }.maxConsecutiveRollbacks;
    emit(timelineEvent('verify', verification.summary, { ...fields(next), commit: rec.commit!, outcome: 'not-effective', durationMs: Date.now() - appliedAt }));
    if (inARow >= max) {
      const why = `did not help, and ${inARow} automatic rollbacks in a row on ${rec.stackKey} reached the limit of ${max}: a person must decide whether to revert ${rec.commit!.slice(0, 12)}`;
      const done = advance(next, 'escalated', why);
      emit(timelineEvent('rollback', why, { ...fields(done), commit: rec.commit!, outcome: 'escalated' }));
      await audit(done, 'escalated', why, { verification, consecutiveRollbacks: inARow });
      return done;
    }
    const why = `${verification.summary}; reverting`;
    let revertCommit: string;
    try {
      revertCommit = await deps.git.revert({ repo, deployBranch: repo.deployBranch, commit: rec.commit!, message: revertCommitMessage({ commit: rec.commit!, title: rec.proposal?.title ?? rec.id, incidentId: rec.incidentId, playbook: rec.playbook!, why: verification.summary }) });
    } catch (err) {
      const done = advance(next, 'escalated', `did not help, and the revert failed: ${(err as Error).message}`);
      await audit(done, 'escalated', done.message!, { verification });
      return done;
    }
    const rolledBack = await deps.ledger.recordRollback(rec.stackKey);
    await announcePush(repo, rec.commit!, revertCommit);
    const done = { ...advance(next, 'rolled-back', why), revertCommit };
    emit(timelineEvent('rollback', `${revertCommit.slice(0, 12)} reverts ${rec.commit!.slice(0, 12)}: ${verification.summary}`, { ...fields(done), commit: revertCommit, outcome: 'rolled-back', details: { reverted: rec.commit, inARow: rolledBack } }));
    await audit({ ...done, commit: revertCommit }, 'rolled-back', why, { verification, reverted: rec.commit, consecutiveRollbacks: rolledBack });
    return done;
  }

  async function sleepUnlessClosing(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: closing.signal }).catch(() => undefined);
  }

  /** One step from the record's state; the caller saves what it returns. */
  async function step(rec: RemediationRecord): Promise<RemediationRecord> {
    switch (rec.state) {
      case 'proposing':
        return propose(rec);
      case 'checking':
        return check(rec);
      case 'approved':
        return merge(rec);
      case 'committed':
        return awaitApply(rec);
      case 'verifying':
        return verify(rec);
      default:
        return rec;
    }
  }

  async function processJob(job: Job<RemediationJob>, token?: string): Promise<string> {
    const data = RemediationJobSchema.parse(job.data);
    const lease = await deps.lock.tryAcquire(`remediate/${data.stackKey}`, owner);
    if (!lease) {
      // Another remediation of this stack is under way: one change at a time.
      await job.moveToDelayed(Date.now() + 1000 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    try {
      let rec = await deps.store.get(data.remediationId);
      if (!rec || rec.state === 'no-action') {
        // Too early to judge: diagnosis gets a few periods of data after the onset first.
        const incident = await deps.incidents.get(data.incidentId);
        if (incident && incident.incident.status === 'open') {
          // All the stack's series: an incident opened by an alarm alone has no signals of its own.
          const contract = await contractOf(data.stackKey);
          const stackSeries = contract ? seriesOf([{ stackKey: data.stackKey, healthSignals: contract.healthSignals, alarms: contract.alarms }]).map((x) => x.seriesId) : [];
          const newest = await newestPoint([...incident.incident.signals.map((s) => s.seriesId), ...stackSeries]);
          if (newest < incident.incident.onsetAt + deps.config.evidenceSeconds * 1000 && Date.now() - job.timestamp < Math.max(10 * 60_000, 2 * deps.config.evidenceSeconds * 1000)) {
            await job.moveToDelayed(Date.now() + 1000, token);
            throw new DelayedError();
          }
        }
      }
      if (!rec) {
        const now = new Date().toISOString();
        rec = advance(
          { id: data.remediationId, incidentId: data.incidentId, stackKey: data.stackKey, repoId: parseStackKey(data.stackKey).repo, state: 'proposing', createdAt: now, updatedAt: now, events: [] },
          'proposing',
          `incident ${data.incidentId}`,
        );
        await deps.store.save(rec);
      } else if (rec.state === 'no-action' && data.cause === 'incident') {
        // The incident changed since nothing could be done: look again.
        rec = advance(rec, 'proposing', `incident ${data.incidentId} changed; looking again`);
        await deps.store.save(rec);
      }
      while (!FINAL_STATES.has(rec.state) && rec.state !== 'review') {
        if (!lease.held()) throw new Busy(`lost the remediation lock of ${data.stackKey}`);
        const next = await step(rec);
        await deps.store.save(next);
        if (next.state === rec.state && next.updatedAt === rec.updatedAt) break;
        rec = next;
      }
      return rec.state;
    } finally {
      await lease.release();
    }
  }

  const worker = new Worker<RemediationJob>(REMEDIATION_QUEUE, processJob, {
    connection: deps.connection,
    prefix: deps.prefix ?? 'homeostat',
    concurrency: 4,
    lockDuration: 60_000,
  });
  worker.on('error', (err) => emit(timelineEvent('error', `remediation worker: ${err.message}`)));
  worker.on('failed', (job, err) => {
    if (job) emit(timelineEvent('error', `remediation ${job.data.remediationId}: ${err.message}`, { incident: job.data.incidentId }));
  });
  return {
    async close() {
      closing.abort();
      await worker.close();
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
