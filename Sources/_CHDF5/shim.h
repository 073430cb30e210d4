// HDF5's type and property-list identifiers are macros that call H5open() and read globals; Swift cannot
// import them (and the raw _g globals are invalid before H5open). Each becomes a static inline function here.
#ifndef DISCA_CHDF5_SHIM_H
#define DISCA_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t disca_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t disca_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t disca_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t disca_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t disca_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t disca_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t disca_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t disca_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t disca_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t disca_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t disca_h5p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t disca_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline unsigned disca_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned disca_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned disca_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned disca_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t disca_h5s_all(void) { return H5S_ALL; }
static inline size_t disca_h5t_variable(void) { return H5T_VARIABLE; }

/// Silence HDF5's automatic error-stack printing; errors are reported by the Swift wrapper instead.
static inline herr_t disca_h5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// Parallel file access through MPI-IO (hdf5-openmpi builds have H5Pset_fapl_mpio).
static inline herr_t disca_h5p_set_fapl_mpio(hid_t fapl, MPI_Comm comm) {
    return H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
}
static inline herr_t disca_h5p_set_dxpl_collective(hid_t dxpl) {
    return H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
}
static inline herr_t disca_h5p_set_dxpl_independent(hid_t dxpl) {
    return H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_INDEPENDENT);
}

/// Walks the current error stack and copies the innermost description (the most specific one) into buf.
typedef struct { char *buf; size_t len; int depth; } disca_h5_err_ctx;
static inline herr_t disca_h5_err_walker(unsigned n, const H5E_error2_t *e, void *data) {
    disca_h5_err_ctx *ctx = (disca_h5_err_ctx *)data;
    if (e->desc && (ctx->depth == 0)) {
        snprintf(ctx->buf, ctx->len, "%s (%s)", e->desc, e->func_name ? e->func_name : "?");
    }
    ctx->depth += 1;
    return 0;
}
static inline void disca_h5_last_error(char *buf, size_t len) {
    disca_h5_err_ctx ctx = { buf, len, 0 };
    if (len > 0) buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, disca_h5_err_walker, &ctx);
    H5Eclear2(H5E_DEFAULT);
}
#endif
