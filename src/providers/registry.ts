import { getpaid } from './getpaid';
import { openpayd } from './openpayd';
import { paymentoptions } from './paymentoptions';
import { sandpay } from './sandpay';
import { secpaid } from './secpaid';

/**
 * Every provider, workflow-safe: the only list of them. Everything that depends on which providers
 * exist (the request union, provider names, profiles; see `./index.ts`) is derived from it. A
 * provider is added by its folder, one line here, one in `requests.ts` and one in `adapters.ts`.
 */
export const providers = [secpaid, sandpay, paymentoptions, openpayd, getpaid] as const;
