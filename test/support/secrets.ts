import { sandboxCredentials } from '../../src/config';

/** The bearer token and webhook secret the API tests use. */
export const TEST_API_TOKEN = 'test-api-token-0123456789';
export const TEST_WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
/** The callback signing secret outside production when none is configured. */
const DEV_CALLBACK_SECRET = 'dev-callback-signing-secret-not-for-production';

/**
 * Every secret the suite hands to the code under test, by what it is: none may appear in a workflow
 * history or a log line. Card numbers and GetPaid's JWTs (which start with `eyJhbGciOi`) neither.
 */
export function knownSecrets(): Record<string, string> {
  return {
    'SecPaid token': sandboxCredentials.secpaidToken,
    'SandPay key': sandboxCredentials.sandpayApiKey,
    'PaymentOptions key': sandboxCredentials.paymentoptionsApiKey,
    'PaymentOptions Basic credentials': Buffer.from(sandboxCredentials.paymentoptionsApiKey).toString('base64'),
    'OpenPayd key': sandboxCredentials.openpaydApiKey,
    'GetPaid client secret': sandboxCredentials.getpaidClientSecret,
    'API bearer token': TEST_API_TOKEN,
    'GetPaid webhook secret': TEST_WEBHOOK_SECRET,
    'callback signing secret': DEV_CALLBACK_SECRET,
    'a JWT (GetPaid access token)': 'eyJhbGciOi',
    'the card number PaymentOptions returns': '5200000000001005',
  };
}
