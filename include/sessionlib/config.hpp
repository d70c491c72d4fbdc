// How sessionlib's out-of-line code is compiled. Header-only is the default:
// every translation unit that runs a session compiles the runtime (plan
// builder, executor, fusion), the gradient builders, the optimizers, the saver
// and the kernels they reference, and the linker keeps one copy.
//
// Faster builds (docs/getting_started.md): compile src/sessionlib.cpp once, as
// the `sessionlib-impl` library does, and build the program's own translation
// units with -DSESSIONLIB_SEPARATE. Those then still see every definition
// (small functions still inline) but emit none of the functions marked
// SESSIONLIB_INLINE and none of the kernels src/sessionlib.cpp instantiates:
// they call the library's copies. A program may mix both kinds of units.
#pragma once

#if defined(SESSIONLIB_IMPLEMENTATION)
// src/sessionlib.cpp: emit every marked function, whether used here or not.
#define SESSIONLIB_INLINE inline __attribute__((used))
#elif defined(SESSIONLIB_SEPARATE)
// GNU inline: the body is there to inline; an out-of-line call goes to the
// library's copy, and none is emitted here. (clang warns that this needs no
// `extern` in C++ since clang 10, which is the meaning wanted.)
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wgnu-inline-cpp-without-extern"
#endif
#define SESSIONLIB_INLINE inline __attribute__((gnu_inline))
#else
#define SESSIONLIB_INLINE inline
#endif

// Explicit instantiations of kernels over the fixed set of dtypes: declared
// (`extern template`) in separate units, defined in src/sessionlib.cpp, absent
// from header-only builds. See runtime/kernels/instances.hpp.
#if defined(SESSIONLIB_IMPLEMENTATION)
#define SESSIONLIB_EXTERN_TEMPLATE template
#elif defined(SESSIONLIB_SEPARATE)
#define SESSIONLIB_EXTERN_TEMPLATE extern template
#endif
