import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

import { RefundsClient } from '../client';
import type { ActionResult, RefundListFilter } from '../client';
import { ConfigError, loadConfig } from '../config';
import { InvalidRefundRequestError } from '../refunds/request';
import type { RefundState } from '../refunds/state';
import { isFinal } from '../refunds/status';
import type { RefundStatus } from '../refunds/status';
import { connectClient } from '../temporal/connection';

import { table } from './format';

const usage = `refunds: start, find and act on refunds

  refunds start (--file request.json | --body '{…}')
  refunds get <refundId>
  refunds list [--status S] [--provider P] [--payment ID] [--attention] [--limit N]
  refunds watch <refundId>                 follow a refund until it ends
  refunds approve|cancel|escalate <refundId> --reason R --by B
  refunds resolve <refundId> --outcome SUCCEEDED|FAILED --reason R --by B
  refunds payment <provider> <paymentId>   what the payment's guard holds
  refunds payment <provider> <paymentId> --release <refundId> --reason R --by B
                                           release a reservation its terminated refund left

  --json     print JSON instead of tables
  Temporal: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE (refunds)`;

const options = {
  json: { type: 'boolean' },
  file: { type: 'string' },
  body: { type: 'string' },
  status: { type: 'string' },
  provider: { type: 'string' },
  payment: { type: 'string' },
  attention: { type: 'boolean' },
  limit: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  outcome: { type: 'string' },
  interval: { type: 'string' },
  release: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function print(json: boolean, data: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(data, null, 2) : human());
}

function describeState(state: RefundState): string {
  const lines = [
    `${state.refundId}  ${state.status}${state.needsAttention ? '  NEEDS ATTENTION' : ''}`,
    `  ${state.provider} refund of ${state.amount.amountMinor} ${state.amount.currency} (minor units), payment ${state.paymentId}`,
  ];
  if (state.attentionReason) lines.push(`  attention: ${state.attentionReason}`);
  if (state.waitingFor) lines.push(`  waiting for: ${state.waitingFor}`);
  if (state.failure)
    lines.push(
      `  failure: ${state.failure.type} ${state.failure.providerCode ?? ''} ${state.failure.providerMessage ?? ''}`
    );
  lines.push(
    '',
    table(
      state.transitions.map((t) => ({ at: t.at, to: t.to, by: t.by, cause: t.cause })),
      ['at', 'to', 'by', 'cause']
    )
  );
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, refundId] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command ? 0 : 2;
  }
  const json = values.json ?? false;
  const config = loadConfig();
  const client = await connectClient(config.temporal);
  const refunds = new RefundsClient(client, { taskQueue: config.temporal.taskQueue });
  // The CLI talks to Temporal directly, with the operator's own access: its identity is the OS user.
  const operator = { actor: `cli:${userInfo().username}` };
  const needId = (): string => {
    if (!refundId) throw new UsageError(`refunds ${command} needs a refundId`);
    return refundId;
  };
  const action = (): { reason: string; by: string } => {
    if (!values.reason || !values.by) throw new UsageError(`refunds ${command} needs --reason and --by`);
    return { reason: values.reason, by: values.by };
  };
  const answer = (result: ActionResult): number => {
    print(json, result, () => `${result.accepted ? 'accepted' : 'REFUSED'}: ${result.note} (status ${result.status})`);
    return result.accepted ? 0 : 1;
  };

  try {
    switch (command) {
      case 'start': {
        const text = values.file ? readFileSync(values.file, 'utf8') : values.body;
        if (!text) throw new UsageError('refunds start needs --file or --body');
        const started = await refunds.start(JSON.parse(text) as Parameters<RefundsClient['start']>[0], {
          initiatedBy: operator.actor,
        });
        const { status } = started;
        print(
          json,
          { workflowId: started.workflowId, created: started.created, status },
          () => `${started.created ? 'started' : 'already exists'}: ${started.workflowId} (${status})`
        );
        return 0;
      }
      case 'get': {
        const state = await refunds.get(needId());
        print(json, state, () => describeState(state));
        return 0;
      }
      case 'list': {
        const filter: RefundListFilter = {
          ...(values.status && { status: values.status as RefundStatus }),
          ...(values.provider && { provider: values.provider as RefundListFilter['provider'] }),
          ...(values.payment && { paymentId: values.payment }),
          ...(values.attention && { needsAttention: true }),
          ...(values.limit && { limit: Number(values.limit) }),
        };
        const found = await refunds.list(filter);
        print(json, found, () =>
          table(found, [
            'refundId',
            'status',
            'provider',
            'paymentId',
            'amountMinor',
            'currency',
            'needsAttention',
            'startedAt',
          ])
        );
        return 0;
      }
      case 'watch': {
        const id = needId();
        const every = Number(values.interval ?? 1000);
        let shown = 0;
        for (;;) {
          const state = await refunds.get(id);
          for (const t of state.transitions.slice(shown)) {
            print(json, t, () => `${t.at}  ${t.from ?? '-'} → ${t.to}  by ${t.by}: ${t.cause}`);
          }
          shown = state.transitions.length;
          if (isFinal(state.status)) return state.status === 'SUCCEEDED' ? 0 : 1;
          await new Promise((r) => setTimeout(r, every));
        }
      }
      case 'approve':
        return answer(await refunds.approve(needId(), action(), operator));
      case 'cancel':
        return answer(await refunds.cancel(needId(), action(), operator));
      case 'escalate':
        return answer(await refunds.escalate(needId(), action(), operator));
      case 'resolve': {
        if (values.outcome !== 'SUCCEEDED' && values.outcome !== 'FAILED') {
          throw new UsageError('refunds resolve needs --outcome SUCCEEDED or --outcome FAILED');
        }
        return answer(await refunds.resolve(needId(), { ...action(), outcome: values.outcome }, operator));
      }
      case 'payment': {
        const [provider, paymentId] = positionals.slice(1);
        if (!provider || !paymentId) throw new UsageError('refunds payment needs <provider> <paymentId>');
        if (values.release) {
          const released = await refunds.releaseReservation(provider, paymentId, values.release, action(), operator);
          print(json, released, () => `released ${released.amountMinor} held by ${released.refundId}`);
          return 0;
        }
        const guard = await refunds.payment(provider, paymentId);
        print(json, guard, () =>
          [
            `payment ${provider} ${paymentId}: ${guard.paymentAmountMinor ?? '?'} ${guard.currency ?? ''} (minor units)`,
            ...Object.entries(guard.reserved).map(([id, amount]) => `  reserved   ${amount}  ${id}`),
            ...Object.entries(guard.committed).map(([id, amount]) => `  committed  ${amount}  ${id}`),
            ...Object.entries(guard.released ?? {}).map(([id, amount]) => `  released   ${amount}  ${id}`),
            ...(guard.operatorReleases ?? []).map(
              (r) => `  released by ${r.by} at ${r.at}: ${r.refundId} (${r.reason})`
            ),
          ].join('\n')
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await client.connection.close();
  }
}

run(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    if (err instanceof UsageError) console.error(`${err.message}\n\n${usage}`);
    else if (err instanceof InvalidRefundRequestError || err instanceof ConfigError) console.error(err.message);
    else if (err instanceof Error && err.name === 'WorkflowNotFoundError') console.error('no such refund');
    // An update a validator refused says why in its cause.
    else if (err instanceof Error && err.cause instanceof Error) console.error(`${err.message}: ${err.cause.message}`);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
