# Sourced by the project's scripts. Debian's OpenBLAS 0.3.21 falls back to slower kernels on AVX-512
# CPUs it does not recognise (see docs/performance.md); choose the AVX-512 ones when the CPU has them.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=SkylakeX; fi
