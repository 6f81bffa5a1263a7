export {
  type CommandResult,
  cleanEnv,
  killGroup,
  packWorkspacePackages,
  prepareSharedInstall,
  type QuickStartProject,
  REPO_ROOT,
  type RunningProgram,
  runCommand,
  type SetUpOptions,
  sessPackagesOf,
  setUpQuickStart,
  thirdPartySpecsOf,
  WORK_ROOT,
} from './npm-project.js';
export { type QuickStart, type QuickStartStep, readQuickStart } from './readme-quick-start.js';
