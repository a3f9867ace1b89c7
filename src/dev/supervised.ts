/**
 * A service `npm start` runs (worker, API, sandbox) is spawned with an IPC channel to its
 * supervisor. When the supervisor goes away, even by SIGKILL, the channel closes, and the service
 * stops the way a SIGTERM would stop it: no service outlives `npm start` holding its port.
 * Outside `npm start` (no channel) this does nothing.
 */
export function stopWhenSupervisorExits(stop: () => void): void {
  if (typeof process.send !== 'function') return;
  process.once('disconnect', stop);
  // The channel alone must not keep a service that has stopped from exiting.
  process.channel?.unref();
}
