export const bareActivities = {
  async noop(): Promise<void> {
    // nothing: the benchmark measures Temporal's round trips alone
  },
};
