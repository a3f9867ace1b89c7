import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The refund search attributes of docs/contract.md, defined once. The workflow upserts them, the client
 * sets them at start and queries them, and the dev server registers them at launch.
 */
export const RefundStatusKey = defineSearchAttributeKey('RefundStatus', SearchAttributeType.KEYWORD);
export const RefundProviderKey = defineSearchAttributeKey('RefundProvider', SearchAttributeType.KEYWORD);
export const PaymentIdKey = defineSearchAttributeKey('PaymentId', SearchAttributeType.KEYWORD);
export const RefundAmountKey = defineSearchAttributeKey('RefundAmount', SearchAttributeType.INT);
export const RefundCurrencyKey = defineSearchAttributeKey('RefundCurrency', SearchAttributeType.KEYWORD);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);

export const refundSearchAttributeKeys = [
  RefundStatusKey,
  RefundProviderKey,
  PaymentIdKey,
  RefundAmountKey,
  RefundCurrencyKey,
  NeedsAttentionKey,
] as const;

/** The type names `temporal server start-dev --search-attribute NAME=TYPE` accepts. */
const cliTypeName: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

export function devServerSearchAttributeFlags(): string[] {
  return refundSearchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName[key.type]}`]);
}
