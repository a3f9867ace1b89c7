/** Every provider's base URL pointed at a sandbox at `sandboxUrl`, as worker environment variables. */
export function sandboxProviderUrls(sandboxUrl: string): Record<string, string> {
  return {
    SECPAID_BASE_URL: `${sandboxUrl}/secpaid`,
    SANDPAY_BASE_URL: `${sandboxUrl}/sandpay`,
    PAYMENTOPTIONS_BASE_URL: `${sandboxUrl}/paymentoptions`,
    OPENPAYD_BASE_URL: `${sandboxUrl}/openpayd`,
    GETPAID_BASE_URL: `${sandboxUrl}/getpaid`,
    GETPAID_TOKEN_URL: `${sandboxUrl}/getpaid/oauth/token`,
  };
}
