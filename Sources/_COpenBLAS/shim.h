// CBLAS from OpenBLAS and LAPACKE (which calls OpenBLAS's LAPACK).
#ifndef DISCA_COPENBLAS_SHIM_H
#define DISCA_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>

static inline int disca_lapack_row_major(void) { return LAPACK_ROW_MAJOR; }
static inline int disca_lapack_col_major(void) { return LAPACK_COL_MAJOR; }
#endif
