import type { ApiToken } from '../../src/api/tokens';
import { GETPAID_SANDBOX_CLIENT } from '../../src/providers/getpaid/sandbox';
import { OPENPAYD_SANDBOX_KEY } from '../../src/providers/openpayd/sandbox';
import { PAYMENTOPTIONS_SANDBOX_KEY } from '../../src/providers/paymentoptions/sandbox';
import { SANDPAY_SANDBOX_KEY } from '../../src/providers/sandpay/sandbox';
import { SECPAID_SANDBOX_TOKEN } from '../../src/providers/secpaid/sandbox';

/** The API tests' bearer tokens: one with every scope, a backend's and an operator's. */
export const TEST_API_TOKEN = 'test-api-token-0123456789';
export const TEST_BACKEND_TOKEN = 'test-backend-token-0123456789';
export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789';
export const TEST_API_TOKENS: readonly ApiToken[] = [
  { name: 'test-all', scopes: ['refunds:create', 'refunds:read', 'refunds:operate'], token: TEST_API_TOKEN },
  { name: 'test-backend', scopes: ['refunds:create', 'refunds:read'], token: TEST_BACKEND_TOKEN },
  { name: 'test-ops', scopes: ['refunds:read', 'refunds:operate'], token: TEST_OPERATOR_TOKEN },
];
export const TEST_WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
/** The Temporal API key of the connection test's gateway (test/deploy/temporal-tls.e2e.test.ts). */
export const TEST_TEMPORAL_API_KEY = 'refunds-test-api-key-0001';
/** The production-path test's API bearer token and callback secret (test/deploy/production-worker.e2e.test.ts). */
export const PRODUCTION_TEST_API_TOKEN = 'production-test-api-token-0001';
export const PRODUCTION_TEST_CALLBACK_SECRET = 'production-test-callback-secret';
/** The callback signing secret outside production when none is configured. */
const DEV_CALLBACK_SECRET = 'dev-callback-signing-secret-not-for-production';

/**
 * Every secret the suite hands to the code under test, by what it is: none may appear in a workflow
 * history or a log line. Card numbers and GetPaid's JWTs (which start with `eyJhbGciOi`) neither.
 */
export function knownSecrets(): Record<string, string> {
  return {
    'SecPaid token': SECPAID_SANDBOX_TOKEN,
    'SandPay key': SANDPAY_SANDBOX_KEY,
    'PaymentOptions key': PAYMENTOPTIONS_SANDBOX_KEY,
    'PaymentOptions Basic credentials': Buffer.from(PAYMENTOPTIONS_SANDBOX_KEY).toString('base64'),
    'OpenPayd key': OPENPAYD_SANDBOX_KEY,
    'GetPaid client secret': GETPAID_SANDBOX_CLIENT.clientSecret,
    'API bearer token': TEST_API_TOKEN,
    'API backend token': TEST_BACKEND_TOKEN,
    'API operator token': TEST_OPERATOR_TOKEN,
    'GetPaid webhook secret': TEST_WEBHOOK_SECRET,
    'callback signing secret': DEV_CALLBACK_SECRET,
    'Temporal API key': TEST_TEMPORAL_API_KEY,
    'production API bearer token': PRODUCTION_TEST_API_TOKEN,
    'production callback signing secret': PRODUCTION_TEST_CALLBACK_SECRET,
    'a JWT (GetPaid access token)': 'eyJhbGciOi',
    'the card number PaymentOptions returns': '5200000000001005',
  };
}
