import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

import { RefundsClient } from '../client';
import type { ActionResult, RefundListFilter, RefundSummary } from '../client';
import { loadConfig } from '../config';
import { formatMoney } from '../refunds/minor-units';
import type { RefundState } from '../refunds/state';
import { isFinal } from '../refunds/status';
import type { RefundStatus } from '../refunds/status';

import { connectClient } from '../temporal/connection';

import { table } from './format';
import { stuckSince } from './stuck';
import type { options } from './usage';
import { UsageError } from './usage';

type Values = {
  [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string;
};

function print(json: boolean, data: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(data, null, 2) : human());
}

/** The OS user running the CLI, or undefined where the system has no name for it (a bare container). */
function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME;
  }
}

/**
 * `requestedBy` of a refund the CLI starts without one. Who ran it is the refund's `initiatedBy`
 * (the OS user); it is not part of the request, so the same request from another user is still
 * the same refund.
 */
function withRequester(input: unknown): unknown {
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  if (!isObject || (input as { requestedBy?: unknown }).requestedBy !== undefined) return input;
  return { ...input, requestedBy: 'cli' };
}

function money(amountMinor: number | null | undefined, currency: string | null | undefined): string {
  if (amountMinor === null || amountMinor === undefined) return '?';
  return currency ? formatMoney(amountMinor, currency) : `${amountMinor} (minor units)`;
}

function describeState(state: RefundState): string {
  const { amount } = state;
  const lines = [
    `${state.refundId}  ${state.status}${state.needsAttention ? '  NEEDS ATTENTION' : ''}`,
    `  ${state.provider} refund of ${money(amount.amountMinor, amount.currency)}, payment ${state.paymentId}`,
  ];
  if (state.refundedAmountMinor !== null && state.refundedAmountMinor !== amount.amountMinor) {
    lines.push(`  refunded: ${money(state.refundedAmountMinor, amount.currency)}`);
  }
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

function listTable(found: readonly RefundSummary[]): string {
  const rows = found.map((r) => ({
    ...r,
    amount: r.amountMinor === undefined ? undefined : money(r.amountMinor, r.currency),
  }));
  return table(rows, ['refundId', 'status', 'provider', 'paymentId', 'amount', 'needsAttention', 'startedAt']);
}

/** Runs one command (not `--help`: main.ts answers that without loading this module). */
export async function runCommand(command: string, positionals: readonly string[], values: Values): Promise<number> {
  const refundId = positionals[1];
  const json = values.json ?? false;
  const needId = (): string => {
    if (!refundId) throw new UsageError(`refunds ${command} needs a refundId`);
    return refundId;
  };
  const action = (): { reason: string; by: string } => {
    if (!values.reason || !values.by) throw new UsageError(`refunds ${command} needs --reason and --by`);
    return { reason: values.reason, by: values.by };
  };
  // The date is computed now, before connecting (main.ts has already refused a bad duration).
  const stuck = command === 'list' && values.stuck !== undefined ? stuckSince(values.stuck) : undefined;

  const config = loadConfig();
  const client = await connectClient(config.temporal);
  const refunds = new RefundsClient(client, { taskQueue: config.temporal.taskQueue });
  // The CLI talks to Temporal directly, with the operator's own access: its identity is the OS user.
  const operator = { actor: `cli:${osUser() ?? 'unknown'}` };
  /** The verdict, and the refund's status read again once the update has returned: what it is now. */
  const answer = async (id: string, result: ActionResult): Promise<number> => {
    const status = (await refunds.status(id)) as RefundStatus;
    const after = { ...result, status };
    print(json, after, () => `${result.accepted ? 'accepted' : 'REFUSED'}: ${result.note} (status now ${status})`);
    return result.accepted ? 0 : 1;
  };

  try {
    switch (command) {
      case 'start': {
        const text = values.file ? readFileSync(values.file, 'utf8') : values.body;
        if (!text) throw new UsageError('refunds start needs --file or --body');
        const body = withRequester(JSON.parse(text)) as Parameters<RefundsClient['start']>[0];
        const started = await refunds.start(body, { initiatedBy: operator.actor });
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
          ...(stuck !== undefined && { startedBefore: stuck }),
        };
        const found = await refunds.list(filter);
        print(json, found, () => listTable(found));
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
        return await answer(needId(), await refunds.approve(needId(), action(), operator));
      case 'cancel':
        return await answer(needId(), await refunds.cancel(needId(), action(), operator));
      case 'escalate':
        return await answer(needId(), await refunds.escalate(needId(), action(), operator));
      case 'resolve': {
        if (values.outcome !== 'SUCCEEDED' && values.outcome !== 'FAILED') {
          throw new UsageError('refunds resolve needs --outcome SUCCEEDED or --outcome FAILED');
        }
        return await answer(
          needId(),
          await refunds.resolve(needId(), { ...action(), outcome: values.outcome }, operator)
        );
      }
      case 'payment': {
        const [provider, paymentId] = positionals.slice(1);
        if (!provider || !paymentId) throw new UsageError('refunds payment needs <provider> <paymentId>');
        if (values.release) {
          const released = await refunds.releaseReservation(provider, paymentId, values.release, action(), operator);
          // The release names no currency; the guard knows it (and a display is worth no failure).
          const currency = json ? null : (await refunds.payment(provider, paymentId).catch(() => undefined))?.currency;
          print(json, released, () => `released ${money(released.amountMinor, currency)} held by ${released.refundId}`);
          return 0;
        }
        const guard = await refunds.payment(provider, paymentId);
        const held = (amountMinor: number) => money(amountMinor, guard.currency);
        print(json, guard, () =>
          [
            `payment ${provider} ${paymentId}: ${money(guard.paymentAmountMinor, guard.currency)}`,
            ...Object.entries(guard.reserved).map(([id, amount]) => `  reserved   ${held(amount)}  ${id}`),
            ...Object.entries(guard.committed).map(([id, amount]) => `  committed  ${held(amount)}  ${id}`),
            ...Object.entries(guard.released ?? {}).map(([id, amount]) => `  released   ${held(amount)}  ${id}`),
            ...(guard.operatorReleases ?? []).map(
              (r) => `  released by ${r.by} at ${r.at}: ${r.refundId} ${held(r.amountMinor)} (${r.reason})`
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
