import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { status } from '@grpc/grpc-js';

import { refundSearchAttributeKeys } from '../contract';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;
const Indexed = temporal.api.enums.v1.IndexedValueType;

const indexedTypeOf: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: Indexed.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: Indexed.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: Indexed.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: Indexed.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: Indexed.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: Indexed.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: Indexed.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

const grpcCode = (err: unknown): number | undefined => (err as { code?: unknown })?.code as number | undefined;

/**
 * Registers the refund search attributes on a Temporal server that lacks them (a self-hosted
 * cluster, the time-skipping test server); the dev server gets them at launch. Attributes that
 * exist already are left as they are. Returns the names it added.
 */
export async function registerSearchAttributes(
  operatorService: Pick<OperatorService, 'listSearchAttributes' | 'addSearchAttributes'>,
  namespace: string
): Promise<string[]> {
  let missing = [...refundSearchAttributeKeys];
  try {
    const existing = await operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    missing = missing.filter((key) => !known.has(key.name));
  } catch (err) {
    // The time-skipping test server cannot list them; adding is still possible there.
    if (grpcCode(err) !== status.UNIMPLEMENTED) throw err;
  }
  if (missing.length === 0) return [];
  try {
    await operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedTypeOf[key.type]])),
    });
  } catch (err) {
    if (grpcCode(err) !== status.ALREADY_EXISTS) throw err;
  }
  return missing.map((key) => key.name);
}
