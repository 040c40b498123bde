// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), including openblas_get_corename().
#include <cblas.h>
