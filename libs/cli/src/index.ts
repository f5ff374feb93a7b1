export { InfraError, isInfraError } from './errors';
export { writeFileAtomic } from './fs';
export { createLogger, log, printResult, type Logger } from './log';
export { runMain } from './main';
export { clearSecretsForTests, redact, registerSecret, registeredSecretCount } from './redact';
