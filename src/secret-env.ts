/** Reads a file a `<NAME>_FILE` variable names (a Docker or Kubernetes secret). */
export type SecretReader = (path: string) => string;

/**
 * A secret from `NAME`, or from the file named by `NAME_FILE`; undefined if neither is set. Both
 * set, or a file that cannot be read, is an issue (its message never repeats a value).
 */
export function readSecret(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  readSecretFile: SecretReader,
  issues: string[]
): string | undefined {
  const fileVar = `${name}_FILE`;
  const direct = env[name];
  const file = env[fileVar];
  if (direct !== undefined && file !== undefined) {
    issues.push(`${name}: set either ${name} or ${fileVar}, not both`);
    return undefined;
  }
  if (direct !== undefined) return direct;
  if (file === undefined) return undefined;
  try {
    return readSecretFile(file).trim();
  } catch {
    issues.push(`${fileVar}: cannot read the file it names`);
    return '';
  }
}
