export { InfraError, isInfraError } from './errors';
export { writeFileAtomic } from './fs';
export { createLogger, type Logger, log, printResult } from './log';
export { runMain } from './main';
export { clearSecretsForTests, redact, registeredSecretCount, registerSecret } from './redact';
