/** A proposal that no longer applies to the commit it is made on (a file gone, a patch or revert that conflicts). */
export class StaleProposalError extends Error {
  override readonly name = 'StaleProposalError';
}

/**
 * A proposal's branch is not (any more) the commit that passed the policy
 * check: someone pushed to it, or rewrote it. Nothing is merged; the change
 * needs a new check.
 */
export class ProposalMovedError extends Error {
  override readonly name = 'ProposalMovedError';
}
