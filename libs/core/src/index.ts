export { type Command, defineCommand, defineGroup, type RunContext } from './command/command';
export { bashCompletion, type CompletionTree, zshCompletion } from './command/completion';
export { discoverScripts, type ScriptEntry } from './command/discover';
export { renderHelp, usageLine } from './command/help';
export {
  jsonOption,
  type OptionSpec,
  option,
  type PositionalSpec,
  positional,
  type ValuesOf,
} from './command/option';
export { runCommand, runScript } from './command/run';
export { UsageError } from './command/usage-error';
export { type CoreErrorCode, InfraError, isInfraError } from './errors';
export { reportFailure } from './failure';
export { writeFileAtomic } from './fs';
export { createLogger, type Logger, log, printResult } from './log';
export { type Daemon, type DaemonExit, type StartDaemonOptions, startDaemon } from './process/daemon';
export { type ChildEnvOptions, childEnv } from './process/env';
export { findExecutable, type ProcessResult, type RunProcessOptions, runProcess } from './process/run';
export { type RunProcessSyncOptions, runProcessSync } from './process/run-sync';
export { clearSecretsForTests, redact, registeredSecretCount, registerSecret } from './redact';
