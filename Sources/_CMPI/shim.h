// OpenMPI's predefined handles are macros over the addresses of global structs; Swift cannot import them.
// Each becomes a static inline function here.
#ifndef DISCA_CMPI_SHIM_H
#define DISCA_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm disca_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype disca_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype disca_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype disca_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype disca_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op disca_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op disca_mpi_max(void) { return MPI_MAX; }
static inline MPI_Info disca_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline void *disca_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *disca_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int disca_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int disca_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Errhandler disca_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
#endif
