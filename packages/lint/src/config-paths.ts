// Where hadolint looks for its config, as data: `dfc lint` and the language server both look
// in these places (the CLI in the current folder, the server from the Dockerfile's folder up).
import os from 'node:os';
import path from 'node:path';

/** A project's config file names, tried in each folder. */
export const PROJECT_CONFIG_FILES: readonly string[] = ['.hadolint.yaml', '.hadolint.yml'];

/** hadolint's user-level config locations, in its order. */
export function userConfigPaths(env: NodeJS.ProcessEnv, home = env.HOME || os.homedir()): string[] {
  const xdg = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return [
    path.join(xdg, 'hadolint.yaml'), path.join(xdg, 'hadolint.yml'),
    path.join(home, '.hadolint', 'hadolint.yaml'), path.join(home, '.hadolint', 'hadolint.yml'),
    path.join(home, 'hadolint', 'config.yaml'),
    path.join(home, '.hadolint.yaml'), path.join(home, '.hadolint.yml'),
  ];
}
