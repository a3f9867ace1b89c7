/**
 * The fail-closed rules. {@link ./machine} enforces them; the workflow only carries out what it
 * decides, and the model test (test/decide/) checks them against every way a provider may behave
 * within its documentation.
 *
 * 1. Once any request may have reached the provider, only the provider's own final statement about
 *    *this* refund ends it FAILED or releases its reservation. Every other answer during reads (a
 *    4xx or 5xx on a read, an unexpected body, an auth error) is read again at the poll cadence,
 *    asks a person after a bound, and never ends the refund.
 * 2. An earlier attempt is adopted only when the provider's record matches this refund on every
 *    field the provider gives back. The adapters match; the core adopts nothing else.
 * 3. "Already done" after an ambiguous attempt means "probably ours": it is confirmed by a read, or
 *    a person is asked; never FAILED. With nothing ambiguous before it, it is someone else's refund:
 *    FAILED, adopting nothing.
 * 4. Without an idempotency key an unknown outcome is followed by reads over a horizon and then a
 *    person; a single "not found" never resends. (Each attempt's wall time is bounded by its
 *    start-to-close and its `fetch` is aborted with the activity: the adapters' side of this rule.)
 * 5. An operator's FAILED on a refund the provider may hold keeps the reservation and a slow watch;
 *    `resolve` is refused while a submission is in flight; a cancel is decided after the
 *    reservation, together with the decision to submit (the workflow's gate).
 * 6. The amount that moved is the provider's: a difference asks a person, is committed, and is what
 *    the refund reports.
 * 7. Reads never stop while a person is asked, and an attention clears when its cause is gone.
 */

/** Why a person is asked. Each cause is raised and cleared on its own. */
export const attentionCauses = [
  'outcome-unknown',
  'already-done',
  'reads-failing',
  'deadline',
  'retry-later',
  'provider-refusing',
  'amount-differs',
] as const;

export type AttentionCause = (typeof attentionCauses)[number];
