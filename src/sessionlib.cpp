// sessionlib's implementation library, `sessionlib-impl`: the runtime (plan
// builder, executor, fusion, session core), the gradient builders, the
// optimizers, the saver and the kernels for the fixed set of dtypes, compiled
// once. A program's own translation units, built with -DSESSIONLIB_SEPARATE,
// then compile none of it (include/sessionlib/config.hpp says how). Meson,
// pkg-config and CMake build or find it as `sessionlib-impl`; a build of one's
// own compiles this file with the same flags (and -DXTENSOR_USE_XSIMD) as the
// program.
#define SESSIONLIB_IMPLEMENTATION
#include <sessionlib/sessionlib.hpp>
#include <sessionlib/input.hpp>  // the queues, runners and coordinator: compiled once here too
