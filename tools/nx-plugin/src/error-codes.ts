/**
 * Every code the Nx plugin throws (its options, project-name clashes).
 * Raise them as `new InfraError<NxPluginErrorCode>(code, ...)` and check them with
 * `isInfraError<NxPluginErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type NxPluginErrorCode = 'NX_PLUGIN_NAME_CLASH' | 'NX_PLUGIN_OPTIONS_INVALID';
