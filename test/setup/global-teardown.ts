export default async function globalTeardown(): Promise<void> {
  await globalThis.__REFUNDS_TEST_SERVER__?.stop();
}
