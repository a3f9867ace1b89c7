import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';

import {
  NeedsAttentionKey,
  paymentEventSignal,
  paymentGuardWorkflowId,
  reconcilerHealthSignal,
  ReconcilerStalledKey,
  RefundProviderKey,
  RefundStatusKey,
} from '../../contract';
import type { Logger } from '../../logger';
import type { ProviderEvent, ReconcilerHealth } from '../../refunds/actions';
import { ProviderCallError } from '../http';

import { SecpaidClient } from './client';
import type { SecpaidSettings } from './client';
import { PROVIDER } from './outcome';
import { isRefundRow, rowTime } from './refund-rows';

export interface ReconcileDeps {
  readonly settings: SecpaidSettings;
  readonly logger: Logger;
  /** Signals the payment guards of the links whose refund rows a page holds. */
  readonly client: Client;
}

export interface ReconcilePageInput {
  readonly page: number;
  readonly limit: number;
  readonly sinceDays: number;
  /** Refund rows created before this (epoch ms) were routed by an earlier pass; null: route all. */
  readonly routeFromMs: number | null;
}

export interface ReconcilePageFigures {
  readonly rows: number;
  readonly refundRows: number;
  readonly routed: number;
  readonly woken: number;
  readonly totalRecords: number | undefined;
}

export interface TellRefundsInput {
  readonly refundsTaskQueue: string;
  readonly health: ReconcilerHealth;
}

/**
 * The refunds the reconciler reads for, as visibility finds them: running SecPaid refunds of its
 * queue that take its word (their `reconciled-watch` patch). A stall goes to those in review that
 * ask nobody yet (told again after each stalled pass, it reaches refunds whose review began since);
 * the end of one to those it marked (`ReconcilerStalled`).
 */
export function refundsToTellQuery(input: TellRefundsInput): string {
  const served = [
    `WorkflowType = 'refund'`,
    `ExecutionStatus = 'Running'`,
    `TaskQueue = '${input.refundsTaskQueue}'`,
    `${RefundProviderKey.name} = '${NAME}'`,
  ];
  const which =
    input.health.stalledSince !== null
      ? [
          `TemporalChangeVersion = 'reconciled-watch'`,
          `${RefundStatusKey.name} = 'PENDING_REVIEW'`,
          `${NeedsAttentionKey.name} = false`,
        ]
      : [`${ReconcilerStalledKey.name} = true`];
  return [...served, ...which].join(' AND ');
}

/** The provider's name in requests, `RefundProvider` and guard ids (PROVIDER is the one shown). */
const NAME = 'secpaid';

/** Guards signalled at once by one page. */
const SIGNALS_IN_FLIGHT = 16;

/** The reconciler's activity; it runs on SecPaid's rate-limited queue, one page (one request) an attempt. */
export function createSecpaidReconcileActivities(deps: ReconcileDeps) {
  const client = new SecpaidClient(deps.settings);
  const log = deps.logger.child({ provider: NAME, component: 'reconciler' });

  /** Hands the row to its link's guard, which passes it to the refund waiting on the link; false when none runs. */
  async function wake(payId: string, transactionId: string): Promise<boolean> {
    const event: ProviderEvent = { eventId: `secpaid-refund-row-${transactionId}`, type: 'refund-row' };
    try {
      await deps.client.workflow.getHandle(paymentGuardWorkflowId(NAME, payId)).signal(paymentEventSignal, event);
      return true;
    } catch (err) {
      // No guard runs for the link: no refund of ours waits on it (a waiting refund keeps its guard open).
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Signals one refund; false when it has closed since visibility listed it. */
  async function tell(workflowId: string, health: ReconcilerHealth): Promise<boolean> {
    try {
      await deps.client.workflow.getHandle(workflowId).signal(reconcilerHealthSignal, health);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  return {
    /**
     * Signals `reconcilerHealth` to the refunds the reconciler reads for (refundsToTellQuery). Safe
     * to repeat: a refund takes a stall once, and the end of one only while it is stalled.
     */
    async secpaidTellRefunds(input: TellRefundsInput): Promise<{ readonly refunds: number }> {
      const context = Context.current();
      let refunds = 0;
      let batch: string[] = [];
      const flush = async (): Promise<void> => {
        await Promise.all(batch.map((id) => tell(id, input.health)));
        batch = [];
      };
      for await (const execution of deps.client.workflow.list({ query: refundsToTellQuery(input) })) {
        // A retry after a heartbeat timeout must not race a later telling with this one.
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        refunds += 1;
        context.heartbeat(refunds);
        batch.push(execution.workflowId);
        if (batch.length >= SIGNALS_IN_FLIGHT) await flush();
      }
      await flush();
      log.info({ refunds, stalled: input.health.stalledSince !== null }, 'SecPaid reconciler told the refunds');
      return { refunds };
    },

    /**
     * Reads one page of the account's `getPayInTransactions` (`since` the last N days, no `pay_id`)
     * and wakes the refund of each new Refund row's link. Nothing here judges a row: the refund reads
     * its own link and judges (amount, time after its request) as its own read always does.
     */
    async secpaidReconcilePage(input: ReconcilePageInput): Promise<ReconcilePageFigures> {
      let read: Awaited<ReturnType<SecpaidClient['payInTransactionsPage']>>;
      try {
        read = await client.payInTransactionsPage({ page: input.page, limit: input.limit, sinceDays: input.sinceDays });
      } catch (err) {
        if (err instanceof ProviderCallError) {
          throw ApplicationFailure.create({
            type: 'ProviderReadFailing',
            message: `${PROVIDER}: ${err.message}`,
            ...(err.retryAfterMs !== undefined && { nextRetryDelay: err.retryAfterMs }),
          });
        }
        throw err;
      }
      if (read.envelope.ResponseCode !== 1) {
        throw ApplicationFailure.create({
          type: 'ProviderReadFailing',
          message: `${PROVIDER}: getPayInTransactions: ${read.envelope.ResponseMsg}`,
        });
      }
      const refundRows = read.rows.filter(isRefundRow);
      // A row whose time cannot be read is routed: the refund that reads it judges it.
      const fresh = refundRows.filter((row) => {
        const at = rowTime(row);
        return input.routeFromMs === null || at === Number.NEGATIVE_INFINITY || at >= input.routeFromMs;
      });
      let woken = 0;
      for (let i = 0; i < fresh.length; i += SIGNALS_IN_FLIGHT) {
        const batch = fresh.slice(i, i + SIGNALS_IN_FLIGHT);
        const results = await Promise.all(batch.map((row) => wake(row.pay_id, row.transaction_id)));
        woken += results.filter(Boolean).length;
      }
      const figures = {
        rows: read.rows.length,
        refundRows: refundRows.length,
        routed: fresh.length,
        woken,
        totalRecords: read.totalRecords,
      };
      log.debug({ ...input, ...figures }, 'SecPaid reconciler read a page');
      return figures;
    },
  };
}
