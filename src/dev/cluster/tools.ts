import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';

import { goInstall, goModuleDir, isRunnable } from '../go-install';
import type { BuildProgress } from '../go-install';
import { projectRoot } from '../temporal-cli';

/**
 * Temporal's own server, its SQL schema tool and its Web UI server, the releases docker-compose.yml
 * runs (temporalio/server, temporalio/admin-tools and temporalio/ui; a test keeps them equal), built
 * from the Go module proxy into the git-ignored tools folder once, like the CLI.
 */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.31.0';
export const TEMPORAL_UI_MODULE = 'github.com/temporalio/ui-server/v2';
export const TEMPORAL_UI_VERSION = 'v2.49.1';

const toolsDir = path.join(projectRoot, '.tools');
const serverDir = path.join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
const uiDir = path.join(toolsDir, `temporal-ui-${TEMPORAL_UI_VERSION}`);

export interface ClusterTools {
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  readonly server: string;
  /** The folder holding `temporal-sql-tool` (cmd/tools/sql), put on PATH for setup-postgres.sh. */
  readonly sqlToolDir: string;
  /** The server release's PostgreSQL schemas (`schema/postgresql/v12` of the module): setup-postgres.sh's SCHEMA_DIR. */
  readonly schemaDir: string;
  /** `temporal-ui-server` (github.com/temporalio/ui-server/v2/cmd/server). */
  readonly uiServer: string;
  /** Seconds spent building now (0 when every binary was there). */
  readonly builtSeconds: number;
}

/** The binaries, built now if any is missing (several minutes the first time on a machine). */
export async function ensureClusterTools(progress: BuildProgress): Promise<ClusterTools> {
  const tools = {
    server: path.join(serverDir, 'temporal-server'),
    sqlToolDir: serverDir,
    schemaDir: path.join(serverDir, 'schema', 'postgresql', 'v12'),
    uiServer: path.join(uiDir, 'temporal-ui-server'),
  };
  let builtSeconds = 0;
  const sqlTool = path.join(serverDir, 'temporal-sql-tool');
  const serverReady =
    isRunnable(tools.server, ['--help']) && isRunnable(sqlTool, ['--help']) && existsSync(tools.schemaDir);
  if (!serverReady) {
    const { seconds } = await goInstall({
      label: `Temporal's server and SQL tool ${TEMPORAL_SERVER_VERSION}`,
      packages: [
        `${TEMPORAL_SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
        `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
      ],
      stagingRoot: toolsDir,
      progress,
      place: (bin) => {
        mkdirSync(serverDir, { recursive: true });
        // The schemas are files of the module, which `go install` left in Go's module cache.
        const schema = path.join(goModuleDir(TEMPORAL_SERVER_MODULE, TEMPORAL_SERVER_VERSION), 'schema', 'postgresql');
        cpSync(schema, path.join(serverDir, 'schema', 'postgresql'), { recursive: true });
        // Go's module cache is read-only: the copy must not be, or it could never be replaced.
        spawnSync('chmod', ['-R', 'u+w', path.join(serverDir, 'schema')]);
        renameSync(path.join(bin, 'sql'), sqlTool);
        renameSync(path.join(bin, 'server'), tools.server);
      },
    });
    builtSeconds += seconds;
  }
  if (!isRunnable(tools.uiServer, ['--help'])) {
    const { seconds } = await goInstall({
      label: `Temporal's Web UI server ${TEMPORAL_UI_VERSION}`,
      packages: [`${TEMPORAL_UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}`],
      stagingRoot: toolsDir,
      progress,
      place: (bin) => {
        mkdirSync(uiDir, { recursive: true });
        renameSync(path.join(bin, 'server'), tools.uiServer);
      },
    });
    builtSeconds += seconds;
  }
  return { ...tools, builtSeconds };
}
