import { providers as builtIn } from '../../../src/providers/registry';

import { examplepay } from '.';

/** src/providers/registry.ts with ExamplePay's one line: what the test's workflow bundle is built with. */
export const providers = [...builtIn, examplepay] as const;
