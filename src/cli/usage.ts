// What `refunds --help` needs, and nothing more: this module loads no Temporal, zod or config
// module, so that help and usage errors answer at once (main.ts loads the commands on demand).

export const usage = `refunds: start, find and act on refunds

  refunds start (--file request.json | --body '{…}')
                                           requestedBy defaults to cli:<your user name>
  refunds get <refundId>
  refunds list [--status S] [--provider P] [--payment ID] [--attention] [--limit N]
  refunds list --stuck 3d                  not final and started more than 3d ago (also 12h, 30m, 45s)
  refunds watch <refundId>                 follow a refund until it ends
  refunds approve|cancel|escalate <refundId> --reason R --by B
  refunds resolve <refundId> --outcome SUCCEEDED|FAILED --reason R --by B
                                           each action prints its verdict and the refund's status after it
  refunds payment <provider> <paymentId>   what the payment's guard holds
  refunds payment <provider> <paymentId> --release <refundId> --reason R --by B
                                           release a reservation its terminated refund left

  --json     print JSON instead of tables (amounts in minor units, as stored)
  Temporal: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE (refunds)`;

export const options = {
  json: { type: 'boolean' },
  file: { type: 'string' },
  body: { type: 'string' },
  status: { type: 'string' },
  provider: { type: 'string' },
  payment: { type: 'string' },
  attention: { type: 'boolean' },
  limit: { type: 'string' },
  stuck: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  outcome: { type: 'string' },
  interval: { type: 'string' },
  release: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
