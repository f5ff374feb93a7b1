/**
 * The codes the benchmarks in bench/ raise themselves (a bad argument is core's `USAGE`). Raise them as
 * `new InfraError<BenchErrorCode>(code, ...)`: a misspelt code is then a type error.
 */
export type BenchErrorCode = 'BENCH_CHANGE_MISSING' | 'BENCH_NX_FAILED' | 'BENCH_UNEXPECTED';
